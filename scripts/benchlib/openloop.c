/* Open-loop HTTP/1.1 load for scripts/bench (rung ka): requests are scheduled at a
 * fixed rate and each one's latency counts from its scheduled time, not from when a
 * connection was free to send it. A closed-loop tool (wrk) waits for a response before
 * it sends the next request, so a stall delays the requests that would have measured
 * it (coordinated omission); here they queue and the queueing shows in the tail.
 *
 *   openloop HOST PORT PATH RATE SECONDS WARMUP CONNS BODYFILE [HEADER...]
 *
 * POSTs BODYFILE as application/json with each HEADER ("Name: value") over CONNS
 * kept connections; the first WARMUP seconds are left out of the figures. Prints one
 * line: "sent N completed N errors N (not answered 200) rate R p50 A p90 B p99 C p999 D max E" (ms).
 * Responses must carry Content-Length (nginx passes the backend's).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    int busy;
    int64_t scheduled; /* ns: when the request on it was due */
    char buf[16384];
    size_t len;
} conn_t;

static struct sockaddr_in server;
static char *request;
static size_t request_len;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int open_conn(int ep, conn_t *c, int index) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data = { .u32 = (uint32_t)index } };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    c->fd = fd;
    c->busy = 0;
    c->len = 0;
    return 0;
}

/* Sends the whole request (small: it fits the socket buffer of a connected socket). */
static int send_request(conn_t *c) {
    size_t off = 0;
    while (off < request_len) {
        ssize_t n = send(c->fd, request + off, request_len - off, MSG_NOSIGNAL);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) { usleep(50); continue; } /* still connecting */
        return -1;
    }
    return 0;
}

/* 1 when buf holds a complete response (status in *status; *closing when the server
 * said "Connection: close", as nginx does after keepalive_requests), 0 when more is
 * needed, -1 malformed. */
static int complete(conn_t *c, int *status, int *closing) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return c->len == sizeof c->buf ? -1 : 0;
    size_t header = (size_t)(end - c->buf) + 4;
    if (c->len < 12 || sscanf(c->buf, "HTTP/1.%*d %d", status) != 1) return -1;
    long body = 0;
    for (char *p = c->buf; p < end; p++) {
        if (p != c->buf && p[-1] != '\n') continue;
        if (strncasecmp(p, "Content-Length:", 15) == 0) body = strtol(p + 15, NULL, 10);
        if (strncasecmp(p, "Connection: close", 17) == 0) *closing = 1;
    }
    if (header + (size_t)body > sizeof c->buf) return -1;
    return c->len >= header + (size_t)body ? 1 : 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct(int64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)n);
    if (i >= n) i = n - 1;
    return (double)v[i] / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: %s HOST PORT PATH RATE SECONDS WARMUP CONNS BODYFILE [HEADER...]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1], *path = argv[3];
    int port = atoi(argv[2]), conns = atoi(argv[7]);
    double rate = atof(argv[4]), seconds = atof(argv[5]), warmup = atof(argv[6]);
    if (rate <= 0 || seconds <= 0 || conns <= 0 || conns > 4096) { fprintf(stderr, "bad arguments\n"); return 2; }

    FILE *f = fopen(argv[8], "rb");
    if (!f) { perror(argv[8]); return 2; }
    static char body[65536];
    size_t body_len = fread(body, 1, sizeof body, f);
    fclose(f);
    size_t cap = body_len + 4096;
    request = malloc(cap);
    int n = snprintf(request, cap, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
                     path, host, port, body_len);
    for (int i = 9; i < argc; i++) n += snprintf(request + n, cap - (size_t)n, "%s\r\n", argv[i]);
    n += snprintf(request + n, cap - (size_t)n, "\r\n");
    memcpy(request + n, body, body_len);
    request_len = (size_t)n + body_len;

    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &server.sin_addr);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event tev = { .events = EPOLLIN, .data = { .u32 = UINT32_MAX } };
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
    conn_t *c = calloc((size_t)conns, sizeof *c);
    for (int i = 0; i < conns; i++) {
        if (open_conn(ep, &c[i], i) != 0) { perror("connect"); return 1; }
    }

    int64_t interval = (int64_t)(1e9 / rate);
    int64_t total = (int64_t)(rate * seconds);
    int64_t start = now_ns() + 100000000; /* 100 ms for the connects */
    int64_t measure_from = start + (int64_t)(warmup * 1e9);
    int64_t *queue = malloc(sizeof(int64_t) * (size_t)total); /* due times of requests waiting for a connection */
    size_t qhead = 0, qtail = 0;
    int64_t *lat = malloc(sizeof(int64_t) * (size_t)total);
    size_t nlat = 0;
    int64_t next = 0, completed = 0, ok = 0, inflight = 0;

    for (;;) {
        int64_t t = now_ns();
        while (next < total && start + next * interval <= t) queue[qtail++] = start + (next++) * interval;
        for (int i = 0; i < conns && qhead < qtail; i++) {
            if (c[i].busy) continue;
            c[i].scheduled = queue[qhead++];
            c[i].busy = 1;
            c[i].len = 0;
            inflight++;
            if (send_request(&c[i]) != 0) { /* reconnect; it counts as failed */
                inflight--;
                close(c[i].fd);
                open_conn(ep, &c[i], i);
            }
        }
        if (next >= total && qhead == qtail && inflight == 0) break;
        if (next >= total && t > start + total * interval + 10000000000LL) break; /* 10 s grace */
        int64_t due = next < total ? start + next * interval : t + 10000000;
        struct itimerspec its = { .it_value = { .tv_sec = due / 1000000000, .tv_nsec = due % 1000000000 } };
        if (due <= t) its.it_value.tv_nsec += 1; /* never zero: that would disarm */
        timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        struct epoll_event events[64];
        int ready = epoll_wait(ep, events, 64, 100);
        for (int e = 0; e < ready; e++) {
            uint32_t i = events[e].data.u32;
            if (i == UINT32_MAX) { uint64_t x; (void)!read(tfd, &x, sizeof x); continue; }
            conn_t *k = &c[i];
            ssize_t got = recv(k->fd, k->buf + k->len, sizeof k->buf - k->len, 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            int status = 0, closing = 0, done = got > 0 ? (k->len += (size_t)got, complete(k, &status, &closing)) : -1;
            if (done == 0) continue;
            int64_t end = now_ns();
            if (k->busy) {
                inflight--;
                k->busy = 0;
                if (done == 1) completed++;
                if (done == 1 && status == 200) ok++;
                if (done == 1 && k->scheduled >= measure_from) lat[nlat++] = end - k->scheduled;
            }
            k->len = 0;
            if (done < 0 || closing) { close(k->fd); open_conn(ep, k, (int)i); }
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp_i64);
    double elapsed = (double)(now_ns() - start) / 1e9;
    printf("sent %lld completed %lld errors %lld rate %.0f p50 %.2f p90 %.2f p99 %.2f p999 %.2f max %.2f\n",
           (long long)next, (long long)completed, (long long)(next - ok),
           (double)completed / elapsed, pct(lat, nlat, 0.5), pct(lat, nlat, 0.9), pct(lat, nlat, 0.99), pct(lat, nlat, 0.999),
           nlat ? (double)lat[nlat - 1] / 1e6 : 0);
    return 0;
}
