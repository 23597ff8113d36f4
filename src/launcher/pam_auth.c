/* PAM for one logon attempt; see pam_auth.h. */
#include "pam_auth.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char password_store[SM_MAX_PASSWORD + 1];

int sm_account_lookup(const char *name, struct sm_account *a, char *err, size_t errlen)
{
    static char pwbuf[16384];
    struct passwd pw, *found = NULL;
    int rc = getpwnam_r(name, &pw, pwbuf, sizeof pwbuf, &found);
    if (rc != 0 || found == NULL) {
        snprintf(err, errlen, "no such account: %s", name);
        return -1;
    }
    if (strlen(pw.pw_name) >= sizeof a->name || strlen(pw.pw_dir) >= sizeof a->home ||
        strlen(pw.pw_shell) >= sizeof a->shell) {
        snprintf(err, errlen, "account %s: name, home or shell too long", name);
        return -1;
    }
    strcpy(a->name, pw.pw_name);
    strcpy(a->home, pw.pw_dir);
    strcpy(a->shell, pw.pw_shell);
    a->uid = pw.pw_uid;
    a->gid = pw.pw_gid;
    /* Computed here, in the launcher, so that the forked child only calls setgroups() and
     * never does NSS look-ups between fork and exec. */
    int n = SM_MAX_GROUPS;
    if (getgrouplist(a->name, a->gid, a->groups, &n) < 0) {
        snprintf(err, errlen, "account %s: more than %d groups", a->name, SM_MAX_GROUPS);
        return -1;
    }
    a->ngroups = n;
    return 0;
}

/* PAM's questions: a hidden prompt is the password, a visible one the user name; messages are
 * logged (PAM's texts, never an answer). Anything else fails the conversation. */
static int conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct sm_auth *a = data;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    struct pam_response *r = calloc((size_t)n, sizeof *r);
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        const char *answer = NULL;
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
            if (a->password == NULL)
                goto fail; /* asked after the password was forgotten */
            answer = a->password;
            break;
        case PAM_PROMPT_ECHO_ON:
            answer = a->conv_user;
            break;
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
            sm_log("PAM says: %s", msg[i]->msg ? msg[i]->msg : "");
            break;
        default:
            goto fail;
        }
        if (answer != NULL && (r[i].resp = strdup(answer)) == NULL)
            goto fail;
    }
    *resp = r;
    return PAM_SUCCESS;
fail:
    for (int i = 0; i < n; i++) {
        if (r[i].resp != NULL) {
            explicit_bzero(r[i].resp, strlen(r[i].resp));
            free(r[i].resp);
        }
    }
    free(r);
    return PAM_CONV_ERR;
}

static struct pam_conv conv_struct;

int sm_auth_authenticate(struct sm_auth *a, const char *service, const char *user, const char *password,
                         const char *rhost, const char *tty, char *err, size_t errlen)
{
    size_t plen = strlen(password);
    if (plen > SM_MAX_PASSWORD) {
        snprintf(err, errlen, "password longer than %d bytes", SM_MAX_PASSWORD);
        return -1;
    }
    if (strlen(user) >= sizeof a->conv_user || user[0] == '\0') {
        snprintf(err, errlen, "user name empty or longer than %zu bytes", sizeof a->conv_user - 1);
        return -1;
    }
    (void)mlock(password_store, sizeof password_store); /* best effort: keep it out of swap */
    memcpy(password_store, password, plen + 1);
    a->password = password_store;
    a->password_len = plen;
    strcpy(a->conv_user, user);

    conv_struct.conv = conversation;
    conv_struct.appdata_ptr = a;
    int rc = pam_start(service, user, &conv_struct, &a->pamh);
    if (rc != PAM_SUCCESS) {
        snprintf(err, errlen, "pam_start(%s) failed: %s", service, pam_strerror(a->pamh, rc));
        a->pamh = NULL;
        goto fail;
    }
    if (rhost[0] != '\0' && (rc = pam_set_item(a->pamh, PAM_RHOST, rhost)) != PAM_SUCCESS)
        goto pam_fail;
    if (tty[0] != '\0' && (rc = pam_set_item(a->pamh, PAM_TTY, tty)) != PAM_SUCCESS)
        goto pam_fail;
    if ((rc = pam_authenticate(a->pamh, PAM_DISALLOW_NULL_AUTHTOK)) != PAM_SUCCESS) {
        snprintf(err, errlen, "authentication failed: %s", pam_strerror(a->pamh, rc));
        goto fail;
    }
    if ((rc = pam_acct_mgmt(a->pamh, PAM_DISALLOW_NULL_AUTHTOK)) != PAM_SUCCESS) {
        /* PAM_NEW_AUTHTOK_REQD (expired password) lands here too: the RDP logon path cannot
         * change a password, so it is a failure with PAM's text. */
        snprintf(err, errlen, "account check failed: %s", pam_strerror(a->pamh, rc));
        goto fail;
    }
    /* A module may have mapped the name (e.g. case or aliases): the canonical one is PAM_USER. */
    const void *item = NULL;
    if ((rc = pam_get_item(a->pamh, PAM_USER, &item)) != PAM_SUCCESS || item == NULL)
        goto pam_fail;
    if (sm_account_lookup(item, &a->account, err, errlen) != 0)
        goto fail;
    a->authenticated = 1;
    return 0;
pam_fail:
    snprintf(err, errlen, "PAM failed: %s", pam_strerror(a->pamh, rc));
fail:
    sm_auth_end(a);
    return -1;
}

/* pam_setcred(PAM_ESTABLISH_CRED) with the user's own groups already in place, as OpenSSH
 * does: a module such as pam_group adds its groups to the process's list (getgroups, then
 * setgroups with more), so the list must be the user's when it runs, and what it leaves is
 * what the backend gets (kept in a->account.groups; the child sets exactly that list). The
 * launcher stays root; its own groups are put back afterwards, so that nothing it does later
 * (closing the PAM session, its next backend) runs with the user's groups. */
static int establish_credentials(struct sm_auth *a, char *err, size_t errlen)
{
    static gid_t own[SM_MAX_GROUPS];
    int nown = getgroups(SM_MAX_GROUPS, own);
    if (nown < 0) {
        snprintf(err, errlen, "getgroups: %s", strerror(errno));
        return -1;
    }
    if (setgroups((size_t)a->account.ngroups, a->account.groups) != 0) {
        snprintf(err, errlen, "setgroups for %s: %s", a->account.name, strerror(errno));
        return -1;
    }
    int rc = pam_setcred(a->pamh, PAM_ESTABLISH_CRED);
    int n = -1;
    int saved = 0;
    if (rc == PAM_SUCCESS) {
        a->cred_established = 1;
        n = getgroups(SM_MAX_GROUPS, a->account.groups);
        saved = errno;
    }
    if (setgroups((size_t)nown, own) != 0) {
        /* Cannot happen to root; if it did, the launcher would go on with the user's groups,
         * which it must not. */
        snprintf(err, errlen, "setgroups back to the launcher's own: %s", strerror(errno));
        return -1;
    }
    if (rc != PAM_SUCCESS) {
        snprintf(err, errlen, "pam_setcred failed: %s", pam_strerror(a->pamh, rc));
        return -1;
    }
    if (n < 0) {
        snprintf(err, errlen, "account %s: more than %d groups after pam_setcred (%s)", a->account.name,
                 SM_MAX_GROUPS, strerror(saved));
        return -1;
    }
    a->account.ngroups = n;
    return 0;
}

int sm_auth_open_session(struct sm_auth *a, char *err, size_t errlen)
{
    int rc;
    /* What logind records for the session (ogon sets the same). */
    if ((rc = pam_putenv(a->pamh, "XDG_SESSION_CLASS=user")) != PAM_SUCCESS)
        goto fail;
    if (establish_credentials(a, err, errlen) != 0) {
        sm_auth_forget_password(a);
        return -1;
    }
    if ((rc = pam_open_session(a->pamh, 0)) != PAM_SUCCESS) {
        snprintf(err, errlen, "pam_open_session failed: %s", pam_strerror(a->pamh, rc));
        sm_auth_forget_password(a);
        return -1;
    }
    a->session_open = 1;
    sm_auth_forget_password(a);
    return 0;
fail:
    snprintf(err, errlen, "PAM failed: %s", pam_strerror(a->pamh, rc));
    sm_auth_forget_password(a);
    return -1;
}

void sm_auth_forget_password(struct sm_auth *a)
{
    explicit_bzero(password_store, sizeof password_store);
    a->password = NULL;
    a->password_len = 0;
}

void sm_auth_end(struct sm_auth *a)
{
    sm_auth_forget_password(a);
    if (a->pamh == NULL)
        return;
    int rc = PAM_SUCCESS;
    if (a->session_open) {
        rc = pam_close_session(a->pamh, 0);
        if (rc != PAM_SUCCESS)
            sm_log("pam_close_session failed: %s", pam_strerror(a->pamh, rc));
        a->session_open = 0;
    }
    if (a->cred_established) {
        int c = pam_setcred(a->pamh, PAM_DELETE_CRED);
        if (c != PAM_SUCCESS)
            sm_log("pam_setcred(DELETE) failed: %s", pam_strerror(a->pamh, c));
        a->cred_established = 0;
    }
    pam_end(a->pamh, rc);
    a->pamh = NULL;
    a->authenticated = 0;
}
