/*
 * The limit peer: the simplest single-threaded epoll echo server, the physical-limit reference of
 * `make bench`. Each read is answered with one write of "c-limit: " and the bytes read, the same
 * shape as echoloop's raw framing, so the load generator checks its replies like everyone else's.
 *
 * No threads, no allocation per message, level-triggered epoll. The one concession to correctness
 * is backpressure: a reply the socket cannot take whole is kept, and the connection is not read
 * again until it is written (the flood scenario checks exactly that).
 *
 * Usage: echo_limit [--host 127.0.0.1|::1] [--port N]   (port 0 picks one; prints "listening on HOST:PORT")
 * Exits on SIGTERM (default action). Build: gcc -O2 -o echo_limit echo_limit.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PREFIX "c-limit: "
#define PREFIX_LEN (sizeof(PREFIX) - 1)
#define READ_BYTES 65536
#define MAX_EVENTS 256

/* A reply the socket did not take whole; indexed by fd. */
struct pending {
  char *bytes;
  size_t length;
  size_t written;
};

static struct pending *pending;
static size_t pending_slots;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void close_connection(int epoll_fd, int fd) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
  if ((size_t)fd < pending_slots) {
    free(pending[fd].bytes);
    pending[fd] = (struct pending){0};
  }
  close(fd);
}

static void watch(int epoll_fd, int op, int fd, unsigned events) {
  struct epoll_event event = {.events = events, .data.fd = fd};
  if (epoll_ctl(epoll_fd, op, fd, &event) < 0) die("epoll_ctl");
}

/* Writes what is left of fd's pending reply; returns 1 when done, 0 to wait, -1 on error. */
static int flush_pending(int fd) {
  struct pending *p = &pending[fd];
  while (p->written < p->length) {
    ssize_t n = write(fd, p->bytes + p->written, p->length - p->written);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    p->written += (size_t)n;
  }
  free(p->bytes);
  *p = (struct pending){0};
  return 1;
}

static void on_readable(int epoll_fd, int fd, char *reply) {
  ssize_t n = read(fd, reply + PREFIX_LEN, READ_BYTES);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close_connection(epoll_fd, fd);
    return;
  }
  if (n < 0) return;
  size_t length = PREFIX_LEN + (size_t)n;
  ssize_t written = write(fd, reply, length);
  if (written < 0 && errno != EAGAIN) {
    close_connection(epoll_fd, fd);
    return;
  }
  if (written < 0) written = 0;
  if ((size_t)written == length) return;
  /* Backpressure: keep the rest, stop reading until it is written. */
  struct pending *p = &pending[fd];
  p->length = length - (size_t)written;
  p->written = 0;
  p->bytes = malloc(p->length);
  if (!p->bytes) die("malloc");
  memcpy(p->bytes, reply + written, p->length);
  watch(epoll_fd, EPOLL_CTL_MOD, fd, EPOLLOUT);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--host")) host = argv[i + 1];
    else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: echo_limit [--host 127.0.0.1|::1] [--port N]\n");
      return 2;
    }
  }
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  pending_slots = files.rlim_cur;
  pending = calloc(pending_slots, sizeof *pending);
  if (!pending) die("calloc");

  int six = strchr(host, ':') != NULL;
  struct sockaddr_storage address = {0};
  socklen_t address_length;
  if (six) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&address;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) die("--host");
    address_length = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&address;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) die("--host");
    address_length = sizeof *a;
  }
  int listener = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (listener < 0) die("socket");
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr *)&address, address_length) < 0) die("bind");
  if (listen(listener, 4096) < 0) die("listen");
  if (getsockname(listener, (struct sockaddr *)&address, &address_length) < 0) die("getsockname");
  int bound = ntohs(six ? ((struct sockaddr_in6 *)&address)->sin6_port : ((struct sockaddr_in *)&address)->sin_port);
  printf("listening on %s:%d\n", host, bound);
  fflush(stdout);

  int epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die("epoll_create1");
  watch(epoll_fd, EPOLL_CTL_ADD, listener, EPOLLIN);
  static char reply[PREFIX_LEN + READ_BYTES];
  memcpy(reply, PREFIX, PREFIX_LEN);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int ready = epoll_wait(epoll_fd, events, MAX_EVENTS, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        /* Accept what is queued, bounded so that one burst cannot starve the open connections. */
        for (int accepted = 0; accepted < 64; accepted++) {
          int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
          if (client < 0) break;
          if ((size_t)client >= pending_slots) {
            close(client);
            continue;
          }
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          watch(epoll_fd, EPOLL_CTL_ADD, client, EPOLLIN);
        }
      } else if (pending[fd].bytes) {
        /* Writable again, or hung up: either way the kept reply goes first. */
        int flushed = flush_pending(fd);
        if (flushed < 0) close_connection(epoll_fd, fd);
        else if (flushed > 0) watch(epoll_fd, EPOLL_CTL_MOD, fd, EPOLLIN);
      } else {
        on_readable(epoll_fd, fd, reply);
      }
    }
  }
}
