package dev.echoloop.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Echoes each chunk as {@code "<thread>: <chunk>"} with raw Netty, the engine under Vert.x:
 * the ceiling for a JVM event-loop server.
 */
public final class NettyEchoServer {

  public static void main(String[] args) throws InterruptedException {
    PeerArgs options = PeerArgs.parse(args);
    boolean epoll = options.transport().equals("epoll");
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    // One group accepts and serves: with one loop per core a separate acceptor only adds a thread.
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(
      options.threads(), new DefaultThreadFactory("netty-eventloop"), io);
    Runtime.getRuntime().addShutdownHook(new Thread(
      () -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly()));

    Channel server = new ServerBootstrap()
      .group(group)
      .channel(channel)
      .option(ChannelOption.SO_BACKLOG, 4096)
      .childOption(ChannelOption.TCP_NODELAY, true)
      .childHandler(EchoHandler.INSTANCE)
      .bind(new InetSocketAddress(options.host(), options.port()))
      .sync()
      .channel();
    PeerArgs.announce(options.host(), ((InetSocketAddress) server.localAddress()).getPort());
    server.closeFuture().sync();
  }

  /** Stateless, so one instance serves every connection. */
  @Sharable
  static final class EchoHandler extends ChannelInboundHandlerAdapter {
    static final EchoHandler INSTANCE = new EchoHandler();

    // A channel never leaves its event loop, so the prefix is built once per loop thread.
    // Unreleasable: each reply takes a duplicate, and releasing it must not free the shared bytes.
    private static final FastThreadLocal<ByteBuf> PREFIX = new FastThreadLocal<>() {
      @Override
      protected ByteBuf initialValue() {
        byte[] name = (Thread.currentThread().getName() + ": ").getBytes(StandardCharsets.UTF_8);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(name.length).writeBytes(name));
      }
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // The reply is the shared prefix plus the received buffer itself: no copy, one writev.
      ByteBuf reply = ctx.alloc().compositeDirectBuffer(2)
        .addComponents(true, PREFIX.get().duplicate(), (ByteBuf) msg);
      ctx.write(reply, ctx.voidPromise());
      if (!ctx.channel().isWritable()) {
        // The client is not reading: stop reading too, or its bytes pile up in our memory.
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // One flush per read batch rather than per chunk, as Vert.x itself does.
      ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A reset from one client closes that connection only.
      ctx.close();
    }
  }
}
