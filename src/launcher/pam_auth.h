/* One PAM handle per logon attempt: authenticate, check the account, and later (if a new
 * session is needed) open the PAM session with the same handle, so that modules such as
 * pam_mount that kept state from authentication (or need the password again) get it. */
#ifndef SM_PAM_AUTH_H
#define SM_PAM_AUTH_H

#include <security/pam_appl.h>
#include <stddef.h>
#include <sys/types.h>

#define SM_MAX_GROUPS 1024
#define SM_MAX_PASSWORD 1024

struct sm_account {
    char name[256];
    uid_t uid;
    gid_t gid;
    char home[4096];
    char shell[4096];
    int ngroups;
    gid_t groups[SM_MAX_GROUPS];
};

struct sm_auth {
    pam_handle_t *pamh;
    int authenticated;
    int cred_established;
    int session_open;
    /* Kept only until the session is opened or the attempt is discarded; the buffer lives in
     * static memory that is locked (no swap) and excluded from core dumps (the whole process
     * is not dumpable). */
    char *password;
    size_t password_len;
    char conv_user[256];
    struct sm_account account;
};

/* Looks up an account by name (passwd + group list). 0 on success, else -1 with err set. */
int sm_account_lookup(const char *name, struct sm_account *a, char *err, size_t errlen);

/* pam_start + items + pam_authenticate + pam_acct_mgmt. 0 on success; else -1, err holds a
 * text (PAM's error text, never the password) and the handle is ended. */
int sm_auth_authenticate(struct sm_auth *a, const char *service, const char *user, const char *password,
                         const char *rhost, const char *tty, char *err, size_t errlen);

/* pam_setcred(ESTABLISH) over the user's own groups (what PAM adds is kept in a->account.groups
 * for the backend) + pam_open_session, then forgets the password. */
int sm_auth_open_session(struct sm_auth *a, char *err, size_t errlen);

/* Zeroes the kept password. */
void sm_auth_forget_password(struct sm_auth *a);

/* pam_close_session and pam_setcred(DELETE) if they were opened, then pam_end. Idempotent. */
void sm_auth_end(struct sm_auth *a);

#endif
