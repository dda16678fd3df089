package dev.echoloop.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;

import java.net.SocketAddress;
import java.util.Iterator;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A native Vert.x transport that accepts connections on the event loops instead of on Vert.x's separate acceptor thread,
 * and does not repeat socket options a fresh accepted socket already has: what raw Netty does, measured cheaper per
 * connection (bench/README.md, issue 10).
 *
 * <p>Vert.x 5.0.7 accepts on its own {@code vert.x-acceptor-thread} and hands every accepted channel to an event loop
 * by a task, which costs an {@code eventfd} write and a wake-up per connection (two context switches when both share a
 * core). Here Vert.x's acceptor group is the event loop group itself: the listening channel is registered on the event
 * loop of the first instance that listens, and a connection that Vert.x's round robin gives to that same loop is
 * registered in place; with several instances the others are still handed over, as before. A busy event loop now also
 * accepts, as a Netty server does.
 *
 * <p>Vert.x also applies {@code SO_KEEPALIVE}, {@code TCP_CORK} and {@code TCP_NODELAY} to every accepted channel, one
 * {@code setsockopt} each. Netty's epoll channel already turns {@code TCP_NODELAY} on when it is created, and a new
 * socket has keep-alive and cork off (the listening socket, whose flags it inherits, gets neither), so with epoll those
 * three calls change nothing when the options ask for exactly that, and are left out. Every other option goes through
 * unchanged.
 *
 * <p>Only native transports are wrapped: Vert.x recognises NIO by its class ({@code Vertx.isNativeTransportEnabled()}).
 * One instance per Vert.x instance: it remembers the event loop group Vert.x creates to hand it back as the acceptor
 * group, and Vert.x creates both, in that order, while it is built.
 */
public final class AcceptOnEventLoop implements Transport {

  private final Transport transport;
  private final Implementation implementation;

  private AcceptOnEventLoop(Transport transport) {
    this.transport = transport;
    this.implementation = new Implementation(transport.implementation(), "epoll".equals(transport.name()));
  }

  /**
   * @param transport the transport to build one Vert.x instance with
   * @return {@code transport} accepting on the event loops when it is an available native transport, else itself
   */
  public static Transport wrap(Transport transport) {
    if (transport == null || transport == Transport.NIO || !transport.available()) {
      return transport;
    }
    return new AcceptOnEventLoop(transport);
  }

  @Override
  public String name() {
    return transport.name();
  }

  @Override
  public boolean available() {
    return transport.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return transport.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return implementation;
  }

  /**
   * The event loops, but a channel registered from one of them is registered on that same one: Vert.x binds a server
   * from the first listening instance's event loop, so the listening channel then lives where that instance serves, and
   * the connections Vert.x's round robin gives to it need no hand-over. From any other thread, the group's own choice.
   *
   * <p>Vert.x shuts its acceptor group down just before its event loops, as its last step; shutting the same loops
   * down twice is harmless in Netty.
   */
  private static final class CallersEventLoop extends AbstractEventExecutorGroup implements EventLoopGroup {

    private final EventLoopGroup eventLoops;

    CallersEventLoop(EventLoopGroup eventLoops) {
      this.eventLoops = eventLoops;
    }

    @Override
    public EventLoop next() {
      for (EventExecutor loop : eventLoops) {
        if (loop.inEventLoop()) {
          return (EventLoop) loop;
        }
      }
      return eventLoops.next();
    }

    @Override
    public ChannelFuture register(Channel channel) {
      return next().register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
      return next().register(promise);
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      return next().register(channel, promise);
    }

    @Override
    public Iterator<EventExecutor> iterator() {
      return eventLoops.iterator();
    }

    @Override
    public boolean isShuttingDown() {
      return eventLoops.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
      return eventLoops.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    public Future<?> terminationFuture() {
      return eventLoops.terminationFuture();
    }

    @Deprecated
    @Override
    public void shutdown() {
      eventLoops.shutdown();
    }

    @Override
    public boolean isShutdown() {
      return eventLoops.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return eventLoops.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return eventLoops.awaitTermination(timeout, unit);
    }
  }

  /** Vert.x's transport SPI, delegated except for the acceptor group and the accepted channels' options. */
  private static final class Implementation implements io.vertx.core.spi.transport.Transport {

    /**
     * Netty's {@code EpollChannelOption.TCP_CORK}, by its registered name: the epoll classes are a run-time dependency
     * only.
     */
    private static final ChannelOption<Boolean> TCP_CORK =
      ChannelOption.valueOf("io.netty.channel.epoll.EpollChannelOption#TCP_CORK");

    private final io.vertx.core.spi.transport.Transport delegate;
    /** Whether accepted channels are Netty's epoll channels, the only ones whose defaults are relied on here. */
    private final boolean epoll;
    /** The event loops of the Vert.x instance being built, handed back when it asks for its acceptor group. */
    private EventLoopGroup eventLoops;

    Implementation(io.vertx.core.spi.transport.Transport delegate, boolean epoll) {
      this.delegate = delegate;
      this.epoll = epoll;
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int nThreads, ThreadFactory threadFactory, int ioRatio) {
      if (type == ACCEPTOR_EVENT_LOOP_GROUP && eventLoops != null) {
        return new CallersEventLoop(eventLoops);
      }
      EventLoopGroup group = delegate.eventLoopGroup(type, nThreads, threadFactory, ioRatio);
      if (type == IO_EVENT_LOOP_GROUP) {
        eventLoops = group;
      }
      return group;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      delegate.configure(options, domainSocket, bootstrap);
      if (domainSocket || !epoll) {
        return;
      }
      // A null value removes an option from the bootstrap; each is removed only where setting it would change nothing.
      if (!options.isTcpKeepAlive()) {
        bootstrap.childOption(ChannelOption.SO_KEEPALIVE, null);
      }
      if (!options.isTcpCork()) {
        bootstrap.childOption(TCP_CORK, null);
      }
      if (options.isTcpNoDelay()) {
        bootstrap.childOption(ChannelOption.TCP_NODELAY, null);
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return delegate.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return delegate.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return delegate.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return delegate.unavailabilityCause();
    }

    @Override
    public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return delegate.ioHandlerFactory();
    }

    @Override
    public DatagramChannel datagramChannel() {
      return delegate.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return delegate.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return delegate.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return delegate.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      delegate.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      delegate.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
