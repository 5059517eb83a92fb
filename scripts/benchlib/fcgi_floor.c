/*
 * fcgi_floor: the smallest useful libfcgi responder, the "floor" rung of
 * scripts/bench. It shows what the FastCGI transport itself allows on this
 * machine with the same processes x threads as Convergence, so the ratio
 * Convergence/floor measures our own overhead only.
 *
 *   fcgi_floor SOCKET_PATH PROCESSES THREADS
 *
 * Binds SOCKET_PATH (mode 0666, backlog 1024), forks PROCESSES children that
 * each run THREADS threads looping on FCGX_Accept_r and answering every
 * request with 200 {"status":"ok"}. SIGTERM/SIGINT stop the children, remove
 * the socket and exit 0.
 *
 *   cc -O2 -o var/bench/fcgi_floor scripts/benchlib/fcgi_floor.c -lfcgi -lpthread
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKLOG 1024
#define MAX_PROCESSES 256

static const char RESPONSE[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"status\":\"ok\"}";

static int listen_fd = -1;

static void *serve(void *arg) {
    (void)arg;
    FCGX_Request request;
    if (FCGX_InitRequest(&request, listen_fd, 0) != 0) {
        fprintf(stderr, "fcgi_floor: FCGX_InitRequest failed\n");
        return NULL;
    }
    while (FCGX_Accept_r(&request) == 0) {
        FCGX_PutStr(RESPONSE, (int)sizeof(RESPONSE) - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

/* Each child runs its threads until it is killed by the parent's SIGTERM. */
static void run_child(int threads) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);

    pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
    if (tids == NULL) _exit(1);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, serve, NULL) != 0) {
            fprintf(stderr, "fcgi_floor: pthread_create failed\n");
            _exit(1);
        }
    }
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
    _exit(0);
}

static int open_listener(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "fcgi_floor: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    unlink(path); /* a stale socket from a killed run */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("fcgi_floor: socket/bind");
        return -1;
    }
    /* nginx's workers (www-data) must be able to connect. */
    if (chmod(path, 0666) != 0 || listen(fd, BACKLOG) != 0) {
        perror("fcgi_floor: chmod/listen");
        return -1;
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET_PATH PROCESSES THREADS\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int processes = atoi(argv[2]);
    int threads = atoi(argv[3]);
    if (processes < 1 || processes > MAX_PROCESSES || threads < 1 || threads > 1024) {
        fprintf(stderr, "fcgi_floor: bad PROCESSES or THREADS\n");
        return 2;
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "fcgi_floor: FCGX_Init failed\n");
        return 1;
    }
    listen_fd = open_listener(path);
    if (listen_fd < 0) return 1;

    /* Block the signals before forking so none is lost; the parent then
     * waits for them synchronously, children restore the defaults. */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGCHLD);
    sigprocmask(SIG_BLOCK, &wanted, NULL);

    pid_t children[MAX_PROCESSES];
    for (int i = 0; i < processes; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fcgi_floor: fork");
            return 1;
        }
        if (pid == 0) run_child(threads);
        children[i] = pid;
    }

    int sig = 0, status = 0;
    sigwait(&wanted, &sig);
    if (sig == SIGCHLD) {
        fprintf(stderr, "fcgi_floor: a child exited unexpectedly\n");
        status = 1;
    }
    for (int i = 0; i < processes; i++) kill(children[i], SIGTERM);
    for (int i = 0; i < processes; i++) waitpid(children[i], NULL, 0);
    unlink(path);
    return status;
}
