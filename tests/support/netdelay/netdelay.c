/*
 * netdelay: holds every packet of one NFQUEUE queue for a fixed delay, then accepts it, in arrival order.
 *
 *   netdelay QUEUE_NUM DELAY_MS [MAX_HELD]
 *
 * Fed by `iptables ... -j NFQUEUE --queue-num QUEUE_NUM --queue-bypass` (this kernel has no netem). Every packet
 * waits the same time, so a FIFO keeps their order. At most MAX_HELD packets (default 4096) are held: beyond that
 * a packet is dropped, like a full router buffer. Prints "ready" once bound. SIGTERM/SIGINT (or the parent dying)
 * releases every held packet and exits 0. Built by tests/support/netdelay.ts against libnetfilter-queue-dev.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

struct held { uint32_t id; int64_t due_ns; };

static struct held *ring;
static size_t cap, head, count;
static int64_t delay_ns;
static unsigned long passed, dropped, overruns;
static volatile sig_atomic_t stop;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count == cap) {
    dropped++;
    return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
  }
  ring[(head + count) % cap] = (struct held){ id, now_ns() + delay_ns };
  count++;
  return 0;
}

/* Accepts every held packet whose time has come (all of them when `all`); returns ns until the next one, or -1. */
static int64_t release(struct nfq_q_handle *qh, int all) {
  int64_t t = now_ns();
  while (count > 0 && (all || ring[head].due_ns <= t)) {
    nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
    head = (head + 1) % cap;
    count--;
    passed++;
  }
  return count > 0 ? ring[head].due_ns - t : -1;
}

static void drain(struct nfq_handle *h, int fd) {
  char buf[65536] __attribute__((aligned));
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) { nfq_handle_packet(h, buf, (int)n); continue; }
    if (n < 0 && errno == ENOBUFS) { overruns++; continue; }
    return; /* EAGAIN, EINTR or closed */
  }
}

static void run(struct nfq_handle *h, struct nfq_q_handle *qh, int fd, const sigset_t *unblocked) {
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  while (!stop) {
    int64_t wait = release(qh, 0);
    struct timespec ts = { 1, 0 };
    if (wait >= 0) ts = (struct timespec){ (time_t)(wait / 1000000000LL), (long)(wait % 1000000000LL) };
    int r = ppoll(&pfd, 1, &ts, unblocked);
    if (r > 0) drain(h, fd);
    if (getppid() == 1) stop = 1;
  }
  release(qh, 1);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: netdelay QUEUE_NUM DELAY_MS [MAX_HELD]\n"); return 2; }
  int queue = atoi(argv[1]);
  delay_ns = (int64_t)(atof(argv[2]) * 1e6);
  cap = argc > 3 ? (size_t)atol(argv[3]) : 4096;
  if (queue < 0 || queue > 65535 || delay_ns < 0 || cap < 1) { fprintf(stderr, "netdelay: bad arguments\n"); return 2; }
  ring = calloc(cap, sizeof *ring);

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  sigset_t block, unblocked;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &unblocked);
  struct sigaction sa = { .sa_handler = on_signal };
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("netdelay: nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) { perror("netdelay: nfq_create_queue"); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("netdelay: nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, (uint32_t)cap);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8 * 1024 * 1024);
  int fd = nfq_fd(h);

  printf("ready\n");
  fflush(stdout);
  run(h, qh, fd, &unblocked);
  nfq_destroy_queue(qh);
  nfq_close(h);
  fprintf(stderr, "netdelay: queue %d passed %lu dropped %lu overruns %lu\n", queue, passed, dropped, overruns);
  free(ring);
  return 0;
}
