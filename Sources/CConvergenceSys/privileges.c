#define _GNU_SOURCE
#include "CConvergenceSys.h"

#include <errno.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

int cv_drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, size_t count) {
    if (uid == 0) { errno = EINVAL; return -1; }
    /* Groups first: once the uid is gone, setgroups/setgid are no longer allowed. */
    if (setgroups(count, groups) != 0) return -1;
    if (setresgid(gid, gid, gid) != 0) return -1;
    if (setresuid(uid, uid, uid) != 0) return -1;
    /* Verify: every id is the target and root cannot come back. */
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid) { errno = EPERM; return -1; }
    if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid) { errno = EPERM; return -1; }
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) { errno = EPERM; return -1; }
    /* Nothing this process executes may gain privileges again (setuid binaries, file capabilities). */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return 0;
}

int cv_become_effective(uid_t uid, gid_t gid) {
    if (setegid(gid) != 0) return -1;
    if (seteuid(uid) != 0) { int saved = errno; (void)setegid(0); errno = saved; return -1; }
    return 0;
}

int cv_restore_root_effective(void) {
    if (seteuid(0) != 0) return -1;
    return setegid(0);
}
