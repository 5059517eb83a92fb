// Thin wrappers for POSIX/Linux calls that Swift cannot import directly
// (function-like macros, headers the Glibc module leaves out).
#ifndef CCONVERGENCE_SYS_H
#define CCONVERGENCE_SYS_H

#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>

/// signalfd(2) for the given signals, non-blocking and close-on-exec. -1 on error.
int cv_signalfd_open(const sigset_t *mask);
/// Reads one pending signal from a signalfd: its number, 0 when none is pending, -1 on error.
int cv_signalfd_read(int fd);

/// waitpid(2) status decoding (macros in C).
int cv_wifexited(int status);
int cv_wexitstatus(int status);
int cv_wifsignaled(int status);
int cv_wtermsig(int status);

/// SHA-256 of `length` bytes into `out` (32 bytes).
void cv_sha256(const void *data, size_t length, unsigned char out[32]);

/// epoll for the worker's event loop. Create: an epoll fd (close-on-exec), -1 on error.
int cv_epoll_create(void);
/// Watches the shared listening socket: edge-triggered (accept until EAGAIN), one process woken per event.
int cv_epoll_add_listener(int ep, int fd);
int cv_epoll_remove(int ep, int fd);
/// Watches a connection until it is readable once (EPOLLONESHOT); rearm re-enables it.
int cv_epoll_add_oneshot(int ep, int fd);
int cv_epoll_rearm_oneshot(int ep, int fd);
/// Waits for up to `max` (at most 16) ready fds, written to `fds`: their number, 0 on timeout, -1 on error (errno set).
int cv_epoll_wait_fds(int ep, int *fds, int max, int timeout_ms);
/// Waits on a semaphore for at most `timeout_ms` on the monotonic clock (a wall-clock jump
/// cannot stretch it): 0 when taken, -1 with errno (ETIMEDOUT, EINTR) otherwise.
int cv_sem_wait_ms(sem_t *sem, int timeout_ms);
/// Sets O_NONBLOCK on fd's open file description.
int cv_set_nonblocking(int fd);

/// accept4(2) with SOCK_CLOEXEC; -1 with errno on error (EAGAIN: the non-blocking
/// listener's backlog is empty).
int cv_accept(int listen_fd);
/// 1 when bytes, the peer's hang-up or an error are waiting on fd (a read would not block),
/// 0 when a read would block; never blocks itself.
int cv_readable_now(int fd);
/// Sets TCP_NODELAY where the socket is TCP; ignored otherwise.
void cv_set_nodelay(int fd);

/// TCP keepalive probes on an accepted connection (idle 60 s, every 10 s, 3 tries): a kept
/// connection whose web server vanished without a FIN is closed instead of held forever.
void cv_set_keepalive(int fd);
/// 1 when fd is a listening socket, 0 when not, -1 on error.
int cv_is_listening_socket(int fd);
/// AF_UNIX or AF_INET/AF_INET6 of a socket, -1 on error.
int cv_socket_family(int fd);

/// Creates, binds and listens on a unix socket at path with the given backlog. -1 on error (errno set).
int cv_listen_unix(const char *path, int backlog);
/// 1 when something accepts connections on the unix socket at path.
int cv_unix_socket_in_use(const char *path);
/// Creates, binds (SO_REUSEADDR) and listens on host:port (numeric IPv4/IPv6). -1 on error.
int cv_listen_tcp(const char *host, int port, int backlog);

/// Asks the kernel to send sig to this process when its parent dies (prctl PR_SET_PDEATHSIG).
int cv_set_parent_death_signal(int sig);

/// Drops root for good (privileges.c): supplementary groups, then real/effective/saved gid,
/// then uid, then PR_SET_NO_NEW_PRIVS; verifies that uid 0 cannot be regained.
/// 0 on success, else -1 with errno set (the process must not go on).
int cv_drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, size_t count);
/// Switches only the effective ids (root keeps its saved ids): for a short task
/// done as the service account; cv_restore_root_effective() switches back.
int cv_become_effective(uid_t uid, gid_t gid);
int cv_restore_root_effective(void);

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC).
long long cv_monotonic_ns(void);
/// Wall clock: seconds and microseconds since the epoch.
void cv_wall_clock(long long *seconds, int *micros);
/// Resident set size of this process in bytes (from /proc/self/statm), -1 on error.
long long cv_rss_bytes(void);

/// Makes a spawned child close every fd >= lowest (glibc's addclosefrom_np),
/// so descriptors we inherited without close-on-exec do not leak into workers.
int cv_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest);
/// Makes a spawned child start in `path` (glibc's addchdir_np).
int cv_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// pipe2(2) with O_CLOEXEC.
int cv_pipe_cloexec(int fds[2]);

/// CRC-32 (IEEE, as zlib's crc32) of `length` bytes, slicing-by-8: the audit
/// spool frames every record with it, on the request path.
unsigned int cv_crc32(const void *bytes, unsigned long length);

/// Atomic 64-bit load (acquire) and store (release) on memory Swift does not own
/// as an `Atomic` (a word in a shared file mapping: the audit spool segment's
/// committed length). Inline, so each is one plain `mov` on x86-64.
static inline unsigned long long cv_load_acquire_u64(const void *word) {
    return __atomic_load_n((const unsigned long long *)word, __ATOMIC_ACQUIRE);
}
static inline void cv_store_release_u64(void *word, unsigned long long value) {
    __atomic_store_n((unsigned long long *)word, value, __ATOMIC_RELEASE);
}

#endif
