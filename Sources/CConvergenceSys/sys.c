#define _GNU_SOURCE
#include "CConvergenceSys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <spawn.h>
#include <fcntl.h>
#include <semaphore.h>

int cv_signalfd_open(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int cv_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

int cv_wifexited(int status) { return WIFEXITED(status); }
int cv_wexitstatus(int status) { return WEXITSTATUS(status); }
int cv_wifsignaled(int status) { return WIFSIGNALED(status); }
int cv_wtermsig(int status) { return WTERMSIG(status); }

int cv_accept(int listen_fd) {
    return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
}

int cv_readable_now(int fd) {
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

void cv_set_keepalive(int fd) {
    int on = 1, idle = 60, interval = 10, count = 3;
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

void cv_set_nodelay(int fd) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int cv_is_listening_socket(int fd) {
    int value = 0;
    socklen_t len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) != 0) return -1;
    return value ? 1 : 0;
}

int cv_socket_family(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return -1;
    return ss.ss_family;
}

static int fill_unix_address(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(sa->sun_path, path);
    return 0;
}

int cv_listen_unix(const char *path, int backlog) {
    struct sockaddr_un sa;
    if (fill_unix_address(&sa, path) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, backlog) != 0) {
        int saved = errno; close(fd); errno = saved; return -1;
    }
    return fd;
}

int cv_unix_socket_in_use(const char *path) {
    struct sockaddr_un sa;
    if (fill_unix_address(&sa, path) != 0) return 0;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

int cv_listen_tcp(const char *host, int port, int backlog) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET; v4->sin_port = htons((unsigned short)port); len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6; v6->sin6_port = htons((unsigned short)port); len = sizeof *v6;
    } else { errno = EINVAL; return -1; }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0) {
        int saved = errno; close(fd); errno = saved; return -1;
    }
    return fd;
}

int cv_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, sig);
}

long long cv_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void cv_wall_clock(long long *seconds, int *micros) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    *seconds = tv.tv_sec;
    *micros = (int)tv.tv_usec;
}

long long cv_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long long size = 0, resident = 0;
    int n = fscanf(f, "%lld %lld", &size, &resident);
    fclose(f);
    if (n != 2) return -1;
    return resident * sysconf(_SC_PAGESIZE);
}

int cv_pipe_cloexec(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    /* The read end is polled by the single-threaded supervisor: it must never block. */
    int flags = fcntl(fds[0], F_GETFL);
    return fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1 ? -1 : 0;
}

int cv_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int cv_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

// ---------------------------------------------------------------- epoll

#include <fcntl.h>

#include <sys/epoll.h>

int cv_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int cv_epoll_add_listener(int ep, int fd) {
    // Edge-triggered: a new connection is reported to one waiting thread, which
    // accepts until the backlog is empty (level-triggered, several threads woke
    // for each connection). EPOLLEXCLUSIVE: of the worker processes watching the
    // shared listener, one is woken, not all of them.
    struct epoll_event event = { .events = EPOLLIN | EPOLLET | EPOLLEXCLUSIVE, .data = { .fd = fd } };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
}

int cv_epoll_remove(int ep, int fd) {
    return epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
}

int cv_epoll_add_oneshot(int ep, int fd) {
    struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data = { .fd = fd } };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
}

int cv_epoll_rearm_oneshot(int ep, int fd) {
    struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data = { .fd = fd } };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &event);
}

int cv_epoll_wait_fds(int ep, int *fds, int max, int timeout_ms) {
    struct epoll_event events[16];
    if (max > 16) max = 16;
    int n = epoll_wait(ep, events, max, timeout_ms);
    for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
    return n;
}

int cv_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int cv_sem_wait_ms(sem_t *sem, int timeout_ms) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec += 1; deadline.tv_nsec -= 1000000000L; }
    return sem_clockwait(sem, CLOCK_MONOTONIC, &deadline);
}
