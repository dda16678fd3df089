/*
 * echoload: the load generator of `make bench`, one thread, written so that it is not the limit: rr runs on io_uring
 * (--engine auto, falling back to epoll with one line on stderr where io_uring is unavailable), cpr and idle on epoll.
 * bench/README.md has the measurements behind that choice.
 *
 * Modes (the same workloads and checks as echoloop's Java LoadGenerator):
 *   rr    N persistent connections; each keeps --depth requests in flight (ping-pong at depth 1).
 *   cpr   W workers; each connects, sends "Hello from clientK\n", reads the whole reply, closes, again.
 *   idle  N connections opened and held for --duration seconds, then each asked once whether it answers.
 *
 * Every reply is checked: it must be "<any prefix>: <the exact request>", and a request
 * "c<conn> s<seq> <filler>\n" carries its connection and sequence number, so a stray, stale, reordered or
 * corrupted reply is an error. A reply ends at its first newline (the request's only newline is its last
 * byte). With --framing raw (the servers' default) a request is one write and its reply one read, so depth
 * must be 1; with --framing line every request line gets its own reply line, in order, at any depth.
 *
 * Latencies go into a log-linear histogram (128 linear sub-buckets per power of two: under 0.8 % error, as
 * HdrHistogram with 2 significant digits). CPU of this process and of --server-pid is read from
 * /proc/PID/stat (utime + stime) when the measured window opens and when it closes.
 *
 * Output: one summary line on stdout; with --json FILE, a JSON object the bench driver reads, naming the engine.
 * Exit 0 without errors, 1 with errors, 2 on bad usage. Loopback only; every phase is bounded in time.
 * Build: gcc -O2 -o echoload echoload.c -luring (Debian: liburing-dev)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAX_PREFIX 1024        /* longer than any thread name; more bytes without a newline are an error */
#define MAX_DEPTH 1024
#define MAX_EVENTS 512
#define READ_BYTES 65536
#define CONNECTS_IN_FLIGHT 256 /* bounded, so a server slow to accept sees a steady queue, not 10,000 SYNs */
#define OPEN_BUDGET_S 10.0
#define DRAIN_S 5.0
#define ANSWER_TIMEOUT_S 5.0
#define HEADER_LEN 18          /* "c000001 s00000001 " */
#define SEQ_START 9
#define SEQ_DIGITS 8

/* ---------- options ---------- */

enum mode { RR, CPR, IDLE };
enum engine_choice { ENGINE_AUTO, ENGINE_IO_URING, ENGINE_EPOLL };
static struct {
  enum mode mode;
  enum engine_choice engine;
  const char *host;
  int port, connections, size, depth, line, warmup, duration, server_pid;
  const char *json, *label;
} opt = {.host = "127.0.0.1", .size = 64, .depth = 1, .warmup = 3, .duration = 10, .label = ""};

static void usage(const char *problem) {
  fprintf(stderr, "echoload: %s\nusage: echoload --mode rr|cpr|idle --port N [--host 127.0.0.1|::1] "
                  "[--connections N] [--size BYTES] [--depth N] [--framing raw|line] [--warmup S] [--duration S] "
                  "[--server-pid PID] [--engine auto|io_uring|epoll] [--json FILE] [--label TEXT]\n", problem);
  exit(2);
}

/* ---------- clocks, CPU, errors ---------- */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* utime + stime of a whole process (every thread, /proc/PID/stat fields 14 and 15) in seconds; -1 if unknown. */
static double cpu_seconds(int pid) {
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *p = strrchr(text, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long utime, stime;
  /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long errors;
static char first_error[512];

static void error_at(const char *format, ...) {
  if (errors++ == 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(first_error, sizeof first_error, format, args);
    va_end(args);
  }
}

/* ---------- histogram ---------- */

#define SUB 128
#define BUCKETS (SUB + 48 * SUB)
static uint64_t histogram[BUCKETS], recorded, max_ns;

static int bucket_of(uint64_t v) {
  if (v < SUB) return (int)v;
  int e = 63 - __builtin_clzll(v); /* >= 7 */
  int shift = e - 7;
  return SUB + shift * SUB + (int)((v >> shift) - SUB);
}

static uint64_t bucket_middle(int i) {
  if (i < SUB) return (uint64_t)i;
  int shift = (i - SUB) / SUB;
  uint64_t low = (uint64_t)(SUB + (i - SUB) % SUB) << shift;
  return low + ((1ull << shift) >> 1);
}

static void record_latency(uint64_t ns) {
  int i = bucket_of(ns);
  if (i >= BUCKETS) i = BUCKETS - 1;
  histogram[i]++;
  recorded++;
  if (ns > max_ns) max_ns = ns;
}

static double percentile_us(double p) {
  if (recorded == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)recorded + 0.999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += histogram[i];
    if (seen >= rank) {
      uint64_t v = bucket_middle(i);
      return (v > max_ns ? max_ns : v) / 1000.0;
    }
  }
  return max_ns / 1000.0;
}

/* ---------- the measured window ---------- */

static struct {
  double start, opens, closes;  /* monotonic seconds */
  int open, closed;
  double self_cpu0, self_cpu1, server_cpu0, server_cpu1, opened_at, closed_at;
} window;
static long completed;
static long waits, wakeups; /* in the window: epoll_wait or io_uring_enter calls, and the readable events or recv
                              * completions they brought (send completions not counted, so both engines compare) */

static void window_tick(double t) {
  if (window.start == 0) return; /* not scheduled yet: connections are still opening */
  if (!window.open && !window.closed && t >= window.opens) {
    window.open = 1;
    window.opened_at = t;
    window.self_cpu0 = cpu_seconds(getpid());
    window.server_cpu0 = opt.server_pid ? cpu_seconds(opt.server_pid) : -1;
  }
  if (window.open && t >= window.closes) {
    window.open = 0;
    window.closed = 1;
    window.closed_at = t;
    window.self_cpu1 = cpu_seconds(getpid());
    window.server_cpu1 = opt.server_pid ? cpu_seconds(opt.server_pid) : -1;
  }
}

/* ---------- connections ---------- */

enum state { UNUSED, CONNECTING, ACTIVE, DONE };

struct conn {
  int fd, id;
  enum state state;
  char *messages;        /* depth request messages, message k holds sequence number (expected + k) */
  uint32_t expected;     /* sequence number of the oldest request without a reply */
  int in_flight;
  uint64_t *sent_ns;     /* ring of depth send times, indexed like messages */
  int ring_head;         /* slot of the oldest in-flight request */
  char *partial;         /* a reply line not yet complete */
  size_t partial_len;
  char *tx;              /* bytes the socket did not take yet */
  size_t tx_len, tx_off;
  uint64_t connect_ns;
  int answered;          /* idle: 1 asked, 2 answered */
};

static int epoll_fd;
static struct sockaddr_storage server_address;
static socklen_t server_address_len;
static struct conn *conns;
static int conn_count;
static size_t message_size;
static size_t partial_capacity;

static void fill_message(char *m, int id, uint32_t seq) {
  char header[32];
  snprintf(header, sizeof header, "c%06d s%08u ", id, seq % 100000000u);
  memcpy(m, header, HEADER_LEN);
  for (size_t i = HEADER_LEN; i + 1 < message_size; i++) m[i] = (char)('a' + (id + (int)i) % 26);
  m[message_size - 1] = '\n';
}

/* Counts the decimal sequence number in place by k, as RequestMessage.advance() does. */
static void set_sequence(char *m, uint32_t seq) {
  seq %= 100000000u;
  for (int i = SEQ_START + SEQ_DIGITS - 1; i >= SEQ_START; i--) {
    m[i] = (char)('0' + seq % 10);
    seq /= 10;
  }
}

static void watch(struct conn *c, int op, unsigned events) {
  struct epoll_event e = {.events = events, .data.ptr = c};
  if (epoll_ctl(epoll_fd, op, c->fd, &e) < 0 && op != EPOLL_CTL_DEL) {
    perror("epoll_ctl");
    exit(1);
  }
}

/* ---------- the io_uring engine (rr): state and sends ----------
 * Connections are opened on epoll, then handed over: each gets one multishot recv into a ring of provided buffers
 * and at most one send in flight. Every send and re-armed recv of a pass over the completions goes to the kernel in
 * the io_uring_enter that also waits for the next completions, so the system calls per request fall from a read and a
 * write to a share of one enter. The sockets are registered files, which spares the fd lookup per operation. */

enum { OP_RECV = 0, OP_SEND = 1 };
static struct io_uring ring;
static int uring_on;               /* the rr connections are served by io_uring, not epoll */
static const char *engine = "epoll";
static char engine_detail[256] = "epoll";
static struct io_uring_buf_ring *buffers;
static char *buffer_memory;
static unsigned buffer_count, buffer_size, buffers_returned;
static size_t tx_capacity;
static int *sending;               /* per connection: bytes of c->tx in the send now in flight (0: none) */
static uint32_t *sent_through;     /* per connection: sequence number of the last request in that send */

static struct io_uring_sqe *next_sqe(void) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
  if (!sqe) { /* the submission queue is full: hand it over now, without waiting */
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  if (!sqe) {
    fprintf(stderr, "echoload: io_uring submission queue stays full\n");
    exit(1);
  }
  return sqe;
}

/* Sends all of c->tx, which holds requests only, the last one numbered expected + in_flight - 1. MSG_WAITALL makes
 * the kernel finish a short send itself, so success means every byte went and IOSQE_CQE_SKIP_SUCCESS can spare its
 * completion: only a failed send completes. The send is known to be over when the reply to its last request arrives
 * (uring_reply_arrived), as a server cannot answer bytes it has not received. */
static void uring_start_send(struct conn *c) {
  struct io_uring_sqe *sqe = next_sqe();
  io_uring_prep_send(sqe, c->id, c->tx, c->tx_len, MSG_NOSIGNAL | MSG_WAITALL);
  sqe->flags |= IOSQE_FIXED_FILE | IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, (uint64_t)c->id << 1 | OP_SEND);
  sending[c->id] = (int)c->tx_len;
  sent_through[c->id] = c->expected + (uint32_t)c->in_flight - 1;
}

/* The reply to request seq of c arrived: if it ends the send in flight, drop those bytes and send what queued up. */
static void uring_reply_arrived(struct conn *c, uint32_t seq) {
  if (!sending[c->id] || seq != sent_through[c->id]) return;
  size_t done = (size_t)sending[c->id];
  memmove(c->tx, c->tx + done, c->tx_len - done);
  c->tx_len -= done;
  sending[c->id] = 0;
  if (c->tx_len) uring_start_send(c);
}

/* Queues bytes behind the send in flight, if any (at most one per connection keeps them in order); -1 when they do
 * not fit, which the rr bound (depth requests in flight) rules out. */
static int uring_send(struct conn *c, const char *bytes, size_t length) {
  if (c->tx_len + length > tx_capacity) {
    errno = ENOBUFS;
    return -1;
  }
  memcpy(c->tx + c->tx_len, bytes, length);
  c->tx_len += length;
  if (!sending[c->id]) uring_start_send(c);
  return 0;
}

static void close_conn(struct conn *c, enum state next) {
  if (c->fd >= 0 && uring_on) {
    /* The registered file keeps the socket open until the ring goes: shutdown ends the stream now (FIN to the
     * server, the multishot recv completes) and the descriptor is closed with the ring. */
    shutdown(c->fd, SHUT_RDWR);
  } else if (c->fd >= 0) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->state = next;
  c->partial_len = 0;
  c->tx_len = c->tx_off = 0;
  c->in_flight = 0;
}

static int connects_pending;

/* Starts a non-blocking connect; 0 on success (in progress), -1 with the error recorded. */
static int start_connect(struct conn *c) {
  int fd = socket(server_address.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error_at("connection %d: socket: %s", c->id, strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  c->connect_ns = now_ns();
  if (connect(fd, (struct sockaddr *)&server_address, server_address_len) < 0 && errno != EINPROGRESS) {
    error_at("connection %d: cannot connect to %s:%d: %s", c->id, opt.host, opt.port, strerror(errno));
    close(fd);
    c->fd = -1;
    return -1;
  }
  c->state = CONNECTING;
  connects_pending++;
  watch(c, EPOLL_CTL_ADD, EPOLLOUT);
  return 0;
}

/* Writes bytes, keeping what the socket does not take; -1 on error. */
static int send_bytes(struct conn *c, const char *bytes, size_t length) {
  if (uring_on) return uring_send(c, bytes, length);
  if (c->tx_len > c->tx_off) { /* already waiting: queue behind */
    memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
    c->tx_len -= c->tx_off;
    c->tx_off = 0;
    memcpy(c->tx + c->tx_len, bytes, length);
    c->tx_len += length;
    return 0;
  }
  ssize_t n = write(c->fd, bytes, length);
  if (n < 0 && errno != EAGAIN) return -1;
  if (n < 0) n = 0;
  if ((size_t)n < length) {
    memcpy(c->tx, bytes + n, length - (size_t)n);
    c->tx_len = length - (size_t)n;
    c->tx_off = 0;
    watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
  }
  return 0;
}

static int flush_tx(struct conn *c) {
  while (c->tx_off < c->tx_len) {
    ssize_t n = write(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->tx_off += (size_t)n;
  }
  c->tx_len = c->tx_off = 0;
  watch(c, EPOLL_CTL_MOD, EPOLLIN);
  return 0;
}

static char *message_slot(struct conn *c, int k) {
  return c->messages + (size_t)((c->ring_head + k) % opt.depth) * message_size;
}

/* rr: sends requests until depth are in flight, in one write. */
static int top_up(struct conn *c) {
  static char batch[MAX_DEPTH * 2048];
  size_t length = 0;
  int stop = window.closed;
  while (!stop && c->in_flight < opt.depth) {
    int k = c->in_flight;
    char *m = message_slot(c, k);
    set_sequence(m, c->expected + (uint32_t)k);
    if (length + message_size > sizeof batch) break;
    memcpy(batch + length, m, message_size);
    length += message_size;
    c->sent_ns[(c->ring_head + k) % opt.depth] = now_ns();
    c->in_flight++;
  }
  return length ? send_bytes(c, batch, length) : 0;
}

/* Does line (length bytes, ending in its first newline) end with ": " and the expected message? */
static int reply_matches(const char *line, size_t length, const char *message, size_t message_length) {
  if (length < message_length + 2) return 0;
  size_t start = length - message_length;
  return line[start - 2] == ':' && line[start - 1] == ' ' && memcmp(line + start, message, message_length) == 0;
}

static void describe_mismatch(struct conn *c, const char *line, size_t length, const char *message, size_t ml) {
  char got[121], want[121];
  size_t g = length < 120 ? length : 120, w = ml < 120 ? ml : 120;
  memcpy(got, line, g);
  got[g] = 0;
  memcpy(want, message, w);
  want[w] = 0;
  for (char *p = got; *p; p++) if (*p == '\n') *p = '|';
  for (char *p = want; *p; p++) if (*p == '\n') *p = '|';
  error_at("connection %d: expected <name>: \"%s\", got \"%s\"", c->id, want, got);
}

/* Handles one complete reply line of connection c; returns -1 to close it. */
static int on_reply(struct conn *c, const char *line, size_t length, double t) {
  if (opt.mode == IDLE && c->answered == 0) {
    error_at("connection %d: bytes arrived while idle", c->id);
    return -1;
  }
  if (opt.mode == CPR || opt.mode == IDLE) {
    const char *m = c->messages;
    size_t ml = opt.mode == CPR ? strlen(m) : message_size;
    if (!reply_matches(line, length, m, ml)) {
      describe_mismatch(c, line, length, m, ml);
      return -1;
    }
    if (opt.mode == CPR) {
      if (window.open) {
        record_latency(now_ns() - c->connect_ns);
        completed++;
      }
    } else {
      c->answered = 2;
    }
    return -1; /* cpr closes after its reply, idle has its answer */
  }
  if (c->in_flight == 0) {
    error_at("connection %d: bytes arrived with no request outstanding", c->id);
    return -1;
  }
  char *m = message_slot(c, 0);
  if (!reply_matches(line, length, m, message_size)) {
    describe_mismatch(c, line, length, m, message_size);
    return -1;
  }
  if (window.open) {
    record_latency(now_ns() - c->sent_ns[c->ring_head]);
    completed++;
  }
  (void)t;
  c->ring_head = (c->ring_head + 1) % opt.depth;
  c->in_flight--;
  c->expected++;
  if (uring_on) uring_reply_arrived(c, c->expected - 1);
  return 0;
}

/* The server closed connection c (read returned 0); always -1: the connection is to be closed. */
static int on_end_of_stream(struct conn *c) {
  if (opt.mode == RR && window.closed && c->in_flight == 0) return -1;
  error_at("connection %d closed by the server%s", c->id, c->in_flight || opt.mode != RR ? " before replying" : "");
  return -1;
}

/* Checks every complete reply in n bytes just read (n > 0) and, in rr, sends the next requests; returns -1 when the
 * connection is to be closed. Both engines read into their own buffer and hand it here. */
static int on_bytes(struct conn *c, const char *buffer, size_t n, double t) {
  size_t at = 0;
  while (at < (size_t)n) {
    char *newline = memchr(buffer + at, '\n', (size_t)n - at);
    if (!newline) {
      size_t rest = (size_t)n - at;
      if (c->partial_len + rest > partial_capacity) {
        error_at("connection %d: %zu bytes without a newline", c->id, c->partial_len + rest);
        return -1;
      }
      memcpy(c->partial + c->partial_len, buffer + at, rest);
      c->partial_len += rest;
      break;
    }
    size_t piece = (size_t)(newline - (buffer + at)) + 1;
    int verdict;
    if (c->partial_len == 0) {
      verdict = on_reply(c, buffer + at, piece, t);
    } else {
      if (c->partial_len + piece > partial_capacity) {
        error_at("connection %d: reply too long", c->id);
        return -1;
      }
      memcpy(c->partial + c->partial_len, buffer + at, piece);
      verdict = on_reply(c, c->partial, c->partial_len + piece, t);
      c->partial_len = 0;
    }
    if (verdict < 0) return -1;
    at += piece;
  }
  if (opt.mode == RR) {
    if (c->in_flight == 0 && window.closed) return -1;
    if (top_up(c) < 0) {
      error_at("connection %d: write: %s", c->id, strerror(errno));
      return -1;
    }
  }
  return 0;
}

/* epoll: reads what is there and checks every complete reply; returns -1 when the connection is to be closed. */
static int on_readable(struct conn *c, double t) {
  static char buffer[READ_BYTES];
  ssize_t n = read(c->fd, buffer, sizeof buffer);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return 0;
    error_at("connection %d: %s", c->id, strerror(errno));
    return -1;
  }
  if (n == 0) return on_end_of_stream(c);
  return on_bytes(c, buffer, (size_t)n, t);
}

/* A connect finished (or failed); returns -1 to close. */
static int on_connected(struct conn *c) {
  connects_pending--;
  int problem = 0;
  socklen_t length = sizeof problem;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &problem, &length);
  if (problem) {
    error_at("connection %d: cannot connect to %s:%d: %s", c->id, opt.host, opt.port, strerror(problem));
    return -1;
  }
  c->state = ACTIVE;
  watch(c, EPOLL_CTL_MOD, EPOLLIN);
  if (opt.mode == RR) return top_up(c);
  if (opt.mode == CPR) return send_bytes(c, c->messages, strlen(c->messages));
  return 0; /* idle: held silent */
}

static void dispatch(int ready, struct epoll_event *events, double t) {
  for (int i = 0; i < ready; i++) {
    struct conn *c = events[i].data.ptr;
    int verdict = 0;
    if (c->state == CONNECTING) {
      verdict = on_connected(c);
      if (verdict < 0) {
        close_conn(c, DONE);
        if (opt.mode == CPR) continue; /* a worker that cannot connect stops, as in the Java tool */
      }
      continue;
    }
    if (c->state != ACTIVE) continue;
    if ((events[i].events & EPOLLOUT) && flush_tx(c) < 0) verdict = -1;
    if (verdict == 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) verdict = on_readable(c, t);
    if (verdict < 0) {
      close_conn(c, DONE);
      /* A cpr worker goes round again; it stops only when it cannot connect. */
      if (opt.mode == CPR && !window.closed && start_connect(c) < 0) c->state = DONE;
    }
  }
}

static int active_count(void) {
  int n = 0;
  for (int i = 0; i < conn_count; i++) n += conns[i].state == ACTIVE || conns[i].state == CONNECTING;
  return n;
}

static int loop_once(int timeout_ms) {
  static struct epoll_event events[MAX_EVENTS];
  int ready = epoll_wait(epoll_fd, events, MAX_EVENTS, timeout_ms);
  if (ready < 0 && errno != EINTR) {
    perror("epoll_wait");
    exit(1);
  }
  double t = now_s();
  window_tick(t);
  if (window.open) {
    waits++;
    if (ready > 0) wakeups += ready;
  }
  if (ready > 0) dispatch(ready, events, t);
  return ready;
}

/* Opens every connection, at most CONNECTS_IN_FLIGHT at a time, within OPEN_BUDGET_S; returns how many opened. */
static int open_all(void) {
  int next = 0;
  double deadline = now_s() + OPEN_BUDGET_S;
  while (now_s() < deadline) {
    while (next < conn_count && connects_pending < CONNECTS_IN_FLIGHT) {
      if (start_connect(&conns[next]) < 0) conns[next].state = DONE;
      next++;
    }
    if (next == conn_count && connects_pending == 0) break;
    loop_once(50);
  }
  if (next < conn_count || connects_pending) {
    int skipped = conn_count - next + connects_pending;
    error_at("%d connections not opened within %.0f s", skipped, OPEN_BUDGET_S);
    errors += skipped - 1;
  }
  int opened = 0;
  for (int i = 0; i < conn_count; i++) opened += conns[i].state == ACTIVE;
  return opened;
}

/* ---------- the io_uring engine (rr): set-up, completions, teardown ---------- */

static int *registered_fds;

static unsigned power_of_two_at_least(unsigned n) {
  unsigned p = 1;
  while (p < n) p <<= 1;
  return p;
}

static void arm_recv(struct conn *c) {
  struct io_uring_sqe *sqe = next_sqe();
  io_uring_prep_recv_multishot(sqe, c->id, NULL, 0, 0);
  sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data64(sqe, (uint64_t)c->id << 1 | OP_RECV);
}

/* Hands the open rr connections from epoll to a new ring; 0 on success, -1 (nothing changed, why in reason) when
 * io_uring or one of the features used is not there: kernel before 6.0, io_uring_disabled, a seccomp filter. */
static int uring_setup(char *reason, size_t reason_size) {
  /* Multishot recv (6.0) has no feature bit; on an older kernel it would fail per connection, so ask the version. */
  struct utsname system;
  int major = 0, minor = 0;
  if (uname(&system) == 0 && sscanf(system.release, "%d.%d", &major, &minor) == 2 && major < 6) {
    snprintf(reason, reason_size, "kernel %d.%d, multishot recv needs 6.0", major, minor);
    return -1;
  }
  struct io_uring_params params;
  unsigned entries = power_of_two_at_least((unsigned)conn_count < 128 ? 256 : 2 * (unsigned)conn_count);
  if (entries > 8192) entries = 8192;
  /* DEFER_TASKRUN (6.1): completions are produced only when this thread enters to wait, as one batch, with no
   * interrupt of the running thread; the fallbacks cost a task_work run per arrival. */
  const unsigned flag_sets[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, 0};
  const char *flag_names[] = {"SINGLE_ISSUER|DEFER_TASKRUN", "COOP_TASKRUN", "no setup flags"};
  int result = -1, chosen = 0;
  for (int i = 0; i < 3 && result < 0; i++) {
    memset(&params, 0, sizeof params);
    params.flags = flag_sets[i] | IORING_SETUP_CQSIZE;
    params.cq_entries = 4 * entries; /* multishot recvs post without a matching submission */
    result = io_uring_queue_init_params(entries, &ring, &params);
    chosen = i;
  }
  if (result < 0) {
    snprintf(reason, reason_size, "io_uring_setup: %s", strerror(-result));
    return -1;
  }
  if (!(params.features & IORING_FEAT_NODROP) || !(params.features & IORING_FEAT_CQE_SKIP)) {
    snprintf(reason, reason_size, "io_uring without IORING_FEAT_NODROP or IORING_FEAT_CQE_SKIP (kernel before 5.17)");
    io_uring_queue_exit(&ring);
    return -1;
  }
  registered_fds = malloc((size_t)conn_count * sizeof *registered_fds);
  sending = calloc((size_t)conn_count, sizeof *sending);
  sent_through = calloc((size_t)conn_count, sizeof *sent_through);
  if (!registered_fds || !sending || !sent_through) exit(1);
  for (int i = 0; i < conn_count; i++) registered_fds[i] = conns[i].state == ACTIVE ? conns[i].fd : -1;
  result = io_uring_register_files(&ring, registered_fds, (unsigned)conn_count);
  if (result < 0) {
    snprintf(reason, reason_size, "io_uring_register_files: %s", strerror(-result));
    io_uring_queue_exit(&ring);
    return -1;
  }
  /* Provided buffers (5.19): the kernel picks one per arrival, so idle connections hold no buffer. A reply is the
   * request plus a short prefix; more bytes than a buffer holds arrive in the next one. */
  buffer_count = power_of_two_at_least(2 * (unsigned)conn_count < 256 ? 256 : 2 * (unsigned)conn_count);
  if (buffer_count > 32768) buffer_count = 32768;
  buffer_size = 4096;
  size_t ring_bytes = buffer_count * sizeof(struct io_uring_buf);
  buffers = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  buffer_memory = malloc((size_t)buffer_count * buffer_size);
  if (buffers == MAP_FAILED || !buffer_memory) exit(1);
  struct io_uring_buf_reg registration = {.ring_addr = (unsigned long)buffers, .ring_entries = buffer_count, .bgid = 0};
  result = io_uring_register_buf_ring(&ring, &registration, 0);
  if (result < 0) {
    snprintf(reason, reason_size, "io_uring_register_buf_ring: %s", strerror(-result));
    io_uring_queue_exit(&ring);
    munmap(buffers, ring_bytes);
    free(buffer_memory);
    return -1;
  }
  io_uring_buf_ring_init(buffers);
  for (unsigned i = 0; i < buffer_count; i++)
    io_uring_buf_ring_add(buffers, buffer_memory + (size_t)i * buffer_size, buffer_size, (unsigned short)i,
                          io_uring_buf_ring_mask(buffer_count), (int)i);
  io_uring_buf_ring_advance(buffers, (int)buffer_count);
  io_uring_register_ring_fd(&ring); /* 5.18; without it each enter looks the ring up by fd, which still works */
  for (int i = 0; i < conn_count; i++)
    if (conns[i].state == ACTIVE) {
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, conns[i].fd, NULL);
      conns[i].tx_len = conns[i].tx_off = 0;
      arm_recv(&conns[i]);
    }
  uring_on = 1;
  engine = "io_uring";
  snprintf(engine_detail, sizeof engine_detail, "io_uring (%s, multishot recv, provided buffers, registered files)",
           flag_names[chosen]);
  return 0;
}

static void return_buffer(unsigned id) {
  io_uring_buf_ring_add(buffers, buffer_memory + (size_t)id * buffer_size, buffer_size, (unsigned short)id,
                        io_uring_buf_ring_mask(buffer_count), (int)buffers_returned++);
}

/* One completion of connection c; returns -1 when the connection is to be closed. */
static int on_completion(struct conn *c, int op, int result, unsigned flags, double t) {
  if (op == OP_SEND) { /* only a failed send completes */
    if (result < 0) error_at("connection %d: write: %s", c->id, strerror(-result));
    else error_at("connection %d: write: %d of %d bytes sent", c->id, result, sending[c->id]);
    return -1;
  }
  int verdict = 0;
  if (result > 0) {
    verdict = on_bytes(c, buffer_memory + (size_t)(flags >> IORING_CQE_BUFFER_SHIFT) * buffer_size, (size_t)result, t);
  } else if (result == 0) {
    verdict = on_end_of_stream(c);
  } else if (result != -ENOBUFS) {
    error_at("connection %d: %s", c->id, strerror(-result));
    verdict = -1;
  }
  if (flags & IORING_CQE_F_BUFFER) return_buffer(flags >> IORING_CQE_BUFFER_SHIFT);
  /* The multishot recv ended (no buffer was free, or the kernel stopped it): arm it again. */
  if (verdict == 0 && !(flags & IORING_CQE_F_MORE)) arm_recv(c);
  return verdict;
}

/* Submits what is queued, waits up to timeout_ms for a completion, handles every completion there is. */
static void uring_loop_once(int timeout_ms) {
  struct __kernel_timespec timeout = {.tv_sec = 0, .tv_nsec = (long long)timeout_ms * 1000000};
  struct io_uring_cqe *cqe;
  int result = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &timeout, NULL);
  if (result < 0 && result != -ETIME && result != -EINTR && result != -EAGAIN && result != -EBUSY) {
    fprintf(stderr, "echoload: io_uring_enter: %s\n", strerror(-result));
    exit(1);
  }
  double t = now_s();
  window_tick(t);
  unsigned head, seen = 0, recvs = 0;
  io_uring_for_each_cqe(&ring, head, cqe) {
    seen++;
    uint64_t data = io_uring_cqe_get_data64(cqe);
    recvs += (data & 1) == OP_RECV;
    struct conn *c = &conns[data >> 1];
    if (c->state != ACTIVE) {
      if (cqe->flags & IORING_CQE_F_BUFFER) return_buffer(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
      continue;
    }
    if (on_completion(c, (int)(data & 1), cqe->res, cqe->flags, t) < 0) close_conn(c, DONE);
  }
  io_uring_cq_advance(&ring, seen);
  if (window.open) {
    waits++;
    wakeups += recvs;
  }
  if (buffers_returned) {
    io_uring_buf_ring_advance(buffers, (int)buffers_returned);
    buffers_returned = 0;
  }
}

/* Ends the ring (cancelling the recvs still armed) and closes the sockets it kept open. */
static void uring_teardown(void) {
  if (!uring_on) return;
  io_uring_queue_exit(&ring);
  for (int i = 0; i < conn_count; i++)
    if (registered_fds[i] >= 0) close(registered_fds[i]);
  uring_on = 0;
}

static void loop_engine(int timeout_ms) {
  if (uring_on) uring_loop_once(timeout_ms);
  else loop_once(timeout_ms);
}

/* ---------- the modes ---------- */

static void run_rr(void) {
  /* Connections are opened before the clock starts: the warm-up and the window measure requests only. */
  int opened = open_all();
  if (opened < conn_count) return;
  if (opt.engine != ENGINE_EPOLL) {
    char reason[160];
    if (uring_setup(reason, sizeof reason) < 0) {
      if (opt.engine == ENGINE_IO_URING) {
        fprintf(stderr, "echoload: --engine io_uring: %s\n", reason);
        exit(1);
      }
      fprintf(stderr, "echoload: io_uring unavailable (%s): using epoll\n", reason);
      snprintf(engine_detail, sizeof engine_detail, "epoll (io_uring unavailable: %s)", reason);
    }
  }
  window.start = now_s();
  window.opens = window.start + opt.warmup;
  window.closes = window.opens + opt.duration;
  for (int i = 0; i < conn_count; i++)
    if (conns[i].state == ACTIVE && top_up(&conns[i]) < 0) close_conn(&conns[i], DONE);
  while (!window.closed) loop_engine(10);
  double drain_until = now_s() + DRAIN_S;
  while (active_count() > 0 && now_s() < drain_until) loop_engine(10);
  for (int i = 0; i < conn_count; i++)
    if (conns[i].state == ACTIVE) {
      if (conns[i].in_flight) error_at("connection %d: no reply within %.0f s of the end", conns[i].id, DRAIN_S);
      close_conn(&conns[i], DONE);
    }
  uring_teardown();
}

static void run_cpr(void) {
  window.start = now_s();
  window.opens = window.start + opt.warmup;
  window.closes = window.opens + opt.duration;
  for (int i = 0; i < conn_count; i++)
    if (start_connect(&conns[i]) < 0) conns[i].state = DONE;
  while (!window.closed) loop_once(10);
  double drain_until = now_s() + DRAIN_S;
  while (active_count() > 0 && now_s() < drain_until) loop_once(10);
}

static long idle_opened, idle_answered;

static void run_idle(void) {
  idle_opened = open_all();
  double hold_until = now_s() + opt.duration;
  while (now_s() < hold_until) loop_once(50); /* a byte arriving now is an error (on_reply sees answered 0) */
  for (int i = 0; i < conn_count; i++) {
    struct conn *c = &conns[i];
    if (c->state != ACTIVE) continue;
    c->answered = 1;
    if (send_bytes(c, c->messages, message_size) < 0) {
      error_at("connection %d: write: %s", c->id, strerror(errno));
      close_conn(c, DONE);
    }
  }
  double deadline = now_s() + ANSWER_TIMEOUT_S;
  int waiting = 1;
  while (waiting && now_s() < deadline) {
    loop_once(20);
    waiting = 0;
    for (int i = 0; i < conn_count && !waiting; i++) waiting = conns[i].state == ACTIVE && conns[i].answered == 1;
  }
  for (int i = 0; i < conn_count; i++) {
    struct conn *c = &conns[i];
    if (c->answered == 2) idle_answered++;
    else if (c->answered == 1 && c->state == ACTIVE) error_at("connection %d: no answer within %.0f s", c->id, ANSWER_TIMEOUT_S);
  }
}

/* ---------- main ---------- */

static int number(const char *name, const char *text, int low, int high) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*end || v < low || v > high) {
    char problem[160];
    snprintf(problem, sizeof problem, "%s must be %d..%d, got '%s'", name, low, high, text);
    usage(problem);
  }
  return (int)v;
}

static void parse(int argc, char **argv) {
  int have_mode = 0, have_connections = 0;
  for (int i = 1; i < argc; i++) {
    const char *name = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char *v = argv[++i];
    if (!strcmp(name, "--mode")) {
      have_mode = 1;
      if (!strcmp(v, "rr")) opt.mode = RR;
      else if (!strcmp(v, "cpr")) opt.mode = CPR;
      else if (!strcmp(v, "idle")) opt.mode = IDLE;
      else usage("--mode must be rr, cpr or idle");
    } else if (!strcmp(name, "--host")) {
      if (strcmp(v, "127.0.0.1") && strcmp(v, "::1")) usage("--host must be 127.0.0.1 or ::1: loopback only");
      opt.host = v;
    } else if (!strcmp(name, "--port")) opt.port = number(name, v, 1, 65535);
    else if (!strcmp(name, "--connections")) opt.connections = number(name, v, 1, 999999), have_connections = 1;
    else if (!strcmp(name, "--size")) opt.size = number(name, v, HEADER_LEN + 1, 1024);
    else if (!strcmp(name, "--depth")) opt.depth = number(name, v, 1, MAX_DEPTH);
    else if (!strcmp(name, "--framing")) {
      if (strcmp(v, "raw") && strcmp(v, "line")) usage("--framing must be raw or line");
      opt.line = !strcmp(v, "line");
    } else if (!strcmp(name, "--warmup")) opt.warmup = number(name, v, 0, 3600);
    else if (!strcmp(name, "--duration")) opt.duration = number(name, v, 1, 3600);
    else if (!strcmp(name, "--server-pid")) opt.server_pid = number(name, v, 1, 1 << 30);
    else if (!strcmp(name, "--engine")) {
      if (!strcmp(v, "auto")) opt.engine = ENGINE_AUTO;
      else if (!strcmp(v, "io_uring")) opt.engine = ENGINE_IO_URING;
      else if (!strcmp(v, "epoll")) opt.engine = ENGINE_EPOLL;
      else usage("--engine must be auto, io_uring or epoll");
    } else if (!strcmp(name, "--json")) opt.json = v;
    else if (!strcmp(name, "--label")) opt.label = v;
    else usage("unknown option");
  }
  if (!have_mode || !opt.port) usage("--mode and --port are required");
  if (!have_connections) opt.connections = opt.mode == RR ? 64 : opt.mode == CPR ? 16 : 10000;
  if (opt.depth > 1 && !opt.line)
    usage("--depth above 1 needs --framing line: with raw framing the server may answer two requests with one reply");
  if (opt.depth > 1 && opt.mode != RR) usage("--depth is for --mode rr");
  if (opt.engine == ENGINE_IO_URING && opt.mode != RR) usage("--engine io_uring is for --mode rr");
}

static void setup(void) {
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  memset(&server_address, 0, sizeof server_address);
  if (strchr(opt.host, ':')) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&server_address;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(opt.port);
    inet_pton(AF_INET6, opt.host, &a->sin6_addr);
    server_address_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&server_address;
    a->sin_family = AF_INET;
    a->sin_port = htons(opt.port);
    inet_pton(AF_INET, opt.host, &a->sin_addr);
    server_address_len = sizeof *a;
  }
  epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) {
    perror("epoll_create1");
    exit(1);
  }
  message_size = (size_t)opt.size;
  partial_capacity = message_size + MAX_PREFIX + 2;
  conn_count = opt.connections;
  /* Twice the requests a connection may have in flight: io_uring queues new ones behind a send still in flight. */
  tx_capacity = 2 * (size_t)(opt.mode == RR ? opt.depth : 1) * (message_size > 64 ? message_size : 64) + 64;
  conns = calloc((size_t)conn_count, sizeof *conns);
  if (!conns) exit(1);
  for (int i = 0; i < conn_count; i++) {
    struct conn *c = &conns[i];
    c->fd = -1;
    c->id = i;
    int slots = opt.mode == RR ? opt.depth : 1;
    c->messages = malloc((size_t)slots * (message_size > 64 ? message_size : 64));
    c->sent_ns = calloc((size_t)slots, sizeof *c->sent_ns);
    c->partial = malloc(partial_capacity);
    c->tx = malloc(tx_capacity);
    if (!c->messages || !c->sent_ns || !c->partial || !c->tx) exit(1);
    if (opt.mode == CPR) snprintf(c->messages, 64, "Hello from client%d\n", i);
    else for (int k = 0; k < slots; k++) fill_message(c->messages + (size_t)k * message_size, i, (uint32_t)k);
  }
}

static void report(void) {
  double seconds = window.closed ? window.closed_at - window.opened_at : 0;
  double rate = opt.mode == IDLE ? (double)idle_answered : seconds > 0 ? completed / seconds : 0;
  double self_cpu = window.closed ? window.self_cpu1 - window.self_cpu0 : -1;
  double server_cpu = window.closed && window.server_cpu0 >= 0 && window.server_cpu1 >= 0
                          ? window.server_cpu1 - window.server_cpu0 : -1;
  double loadgen_share = seconds > 0 && self_cpu >= 0 ? self_cpu / seconds : -1;
  double server_share = seconds > 0 && server_cpu >= 0 ? server_cpu / seconds : -1;
  double server_us_per_op = completed > 0 && server_cpu >= 0 ? server_cpu * 1e6 / completed : -1;
  double loadgen_us_per_op = completed > 0 && self_cpu >= 0 ? self_cpu * 1e6 / completed : -1;
  const char *names[] = {"rr", "cpr", "idle"};
  char head[256];
  snprintf(head, sizeof head, "%s%s%s%s", names[opt.mode], *opt.label ? " [" : "", opt.label, *opt.label ? "]" : "");
  if (opt.mode == IDLE)
    printf("%s: %d connections held %d s: opened %ld, answered %ld, errors %ld\n", head, opt.connections, opt.duration,
           idle_opened, idle_answered, errors);
  else
    printf("%s: %d %s, depth %d, %d s: %ld %s, %.1f/s, latency us p50 %.1f p99 %.1f p99.9 %.1f max %.1f, "
           "load generator CPU %.0f%% (%.1f us/op, %s), server CPU %.1f us/op, errors %ld%s\n",
           head, opt.connections, opt.mode == RR ? "connections" : "workers", opt.depth, opt.duration, completed,
           opt.mode == RR ? "requests" : "connections", rate, percentile_us(0.5), percentile_us(0.99),
           percentile_us(0.999), max_ns / 1000.0, loadgen_share * 100, loadgen_us_per_op, engine, server_us_per_op, errors,
           loadgen_share > 0.9 ? " (LOAD-BOUND: the load generator was the limit)" : "");
  if (errors) fprintf(stderr, "echoload: %ld error(s); first: %s\n", errors, first_error);
  if (!opt.json) return;
  FILE *f = fopen(opt.json, "w");
  if (!f) {
    perror(opt.json);
    exit(1);
  }
  char escaped[1100];
  size_t e = 0;
  for (const char *p = first_error; *p && e < sizeof escaped - 8; p++) {
    if (*p == '"' || *p == '\\') escaped[e++] = '\\';
    escaped[e++] = (unsigned char)*p < 0x20 ? '?' : *p;
  }
  escaped[e] = 0;
  fprintf(f, "{\"loadgen\": \"echoload\", \"engine\": \"%s\", \"engineDetail\": \"%s\", \"mode\": \"%s\", \"label\": \"%s\", \"connections\": %d, \"size\": %d, "
             "\"depth\": %d, \"framing\": \"%s\", \"durationSeconds\": %d, \"windowSeconds\": %.3f, "
             "\"requests\": %ld, \"rate\": %.1f, \"errors\": %ld, \"firstError\": \"%s\", "
             "\"p50us\": %.1f, \"p99us\": %.1f, \"p999us\": %.1f, \"maxus\": %.1f, "
             "\"opened\": %ld, \"answered\": %ld, \"loadgenCpuSeconds\": %.3f, \"loadgenCpu\": %.3f, "
             "\"loadgenCpuUsPerOp\": %.2f, \"eventsPerWait\": %.1f, \"serverCpuSeconds\": %.3f, \"serverCpu\": %.3f, \"serverCpuUsPerOp\": %.2f}\n",
          engine, engine_detail, names[opt.mode], opt.label, opt.connections, opt.size, opt.depth, opt.line ? "line" : "raw", opt.duration,
          seconds, opt.mode == IDLE ? idle_answered : completed, rate, errors, escaped, percentile_us(0.5),
          percentile_us(0.99), percentile_us(0.999), max_ns / 1000.0, opt.mode == IDLE ? idle_opened : 0L,
          idle_answered, self_cpu, loadgen_share, loadgen_us_per_op, waits ? (double)wakeups / waits : 0, server_cpu, server_share, server_us_per_op);
  fclose(f);
}

int main(int argc, char **argv) {
  parse(argc, argv);
  setup();
  if (opt.mode == RR) run_rr();
  else if (opt.mode == CPR) run_cpr();
  else run_idle();
  report();
  return errors ? 1 : 0;
}
