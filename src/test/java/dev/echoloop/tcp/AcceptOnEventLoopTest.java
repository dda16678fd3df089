package dev.echoloop.tcp;

import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestConfigs;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Vert.x on epoll with {@link AcceptOnEventLoop}: what the launcher and the demo build. */
class AcceptOnEventLoopTest {

  private Vertx vertx;

  @BeforeEach
  void epoll() {
    assumeTrue(Transport.EPOLL != null && Transport.EPOLL.available(), "the epoll transport is not available here");
    vertx = Vertx.builder().withTransport(AcceptOnEventLoop.wrap(Transport.EPOLL)).build();
  }

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void nioAndUnavailableTransportsAreLeftAsTheyAre() {
    assertThat(AcceptOnEventLoop.wrap(Transport.NIO)).isSameAs(Transport.NIO);
    assertThat(AcceptOnEventLoop.wrap(Transport.EPOLL)).isNotSameAs(Transport.EPOLL);
    assertThat(vertx.isNativeTransportEnabled()).isTrue();
  }

  @Test
  void aServerBoundOnAnEventLoopAcceptsOnThatEventLoop() throws Exception {
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    CompletableFuture<EventLoop> chosen = new CompletableFuture<>();
    context.runOnContext(ignored -> chosen.complete(((VertxInternal) vertx).acceptorEventLoopGroup().next()));

    assertThat(chosen.get(10, TimeUnit.SECONDS)).isSameAs(context.nettyEventLoop());
  }

  @Test
  void connectionsAreStillSpreadOverEveryInstance() throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, TestConfigs.loopback(3)).await(10, TimeUnit.SECONDS);
    NetClient client = vertx.createNetClient();
    Set<String> threads = new HashSet<>();

    for (int i = 1; i <= 9; i++) {
      NetSocket socket = client.connect(server.port(), "127.0.0.1").await(10, TimeUnit.SECONDS);
      Buffer reply = Replies.exchange(socket, Buffer.buffer("Hello from client" + i)).await(10, TimeUnit.SECONDS);
      assertThat(reply.toString()).endsWith(": Hello from client" + i);
      threads.add(Replies.threadName(reply));
      socket.close().await(10, TimeUnit.SECONDS);
    }

    assertThat(threads).hasSize(3).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
  }

  /** The options left out because the accepted socket already has them must still hold, read back from the kernel. */
  @Test
  void acceptedSocketsHaveNoDelayOnAndKeepAliveOff() throws Exception {
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    NetServer server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true))
      .connectHandler(socket -> accepted.complete(((NetSocketInternal) socket).channelHandlerContext().channel()));
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    vertx.createNetClient().connect(server.actualPort(), "127.0.0.1").await(10, TimeUnit.SECONDS);

    Channel channel = accepted.get(10, TimeUnit.SECONDS);

    assertThat(channel.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
    assertThat(channel.config().getOption(ChannelOption.SO_KEEPALIVE)).isFalse();
    ChannelOption<Boolean> cork = ChannelOption.valueOf("io.netty.channel.epoll.EpollChannelOption#TCP_CORK");
    Boolean corked = channel.config().getOption(cork);
    assertThat(corked).isFalse();
  }
}
