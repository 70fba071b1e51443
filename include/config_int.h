/* config_int.h: what the files of the config module share while a file loads */
/* (config.c, conferr.c, confread.c, confsect.c, confkeys.c, confval.c, confprobe.c, */
/* conffinish.c). */
#ifndef HOOKRUN_CONFIG_INT_H
#define HOOKRUN_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define LINE_MAX_BYTES	65536	/* a longer line stops the load (confread.c) */

enum key {
	K_HOOKS_DIR, K_TIMEOUT, K_KILL_TIMEOUT, K_STOP_TIMEOUT, K_RESTART,
	K_RESTART_DELAY, K_RESTART_DELAY_MAX, K_RESTART_LIMIT, K_LOG_FORMAT,
	K_STRICT_PERMISSIONS, K_DEADLINE, K_ON_FAILURE, K_EXEC, K_SHELL,
	K_RETRIES, K_RETRY_DELAY, K_LOCK, K_ONCE, K_LOCK_TIMEOUT, K_READY,
	K_READY_TIMEOUT, K_STOP_SIGNAL, K_SUCCESS_STATUS, K_SIGNAL_GROUP,
	K_USER, K_GROUP, K_WORKDIR, K_ENV, K_ENV_FILE, K_EXPORTS, K_WAIT,
	K_HTTP_STATUS, K_HEALTH, K_HEALTH_INTERVAL, K_HEALTH_TIMEOUT,
	K_HEALTH_RETRIES, K_HEALTH_START_PERIOD, K_ON_UNHEALTHY, K_STATUS_FILE,
	K_COUNT
};

enum kind { S_BAD, S_HOOKRUN, S_PHASE, S_HOOK, S_START };

/* One section header as read. A repeat is parsed into scratch and dropped. */
struct sect {
	struct sect	*next;
	char		*name;
	int		 line;
	enum kind	 kind;
	int		 dup;
	struct config	*cfg;		/* S_HOOKRUN */
	struct phase	*phase;		/* S_PHASE, S_HOOK */
	struct hook	*hook;		/* S_HOOK */
	struct app	*app;		/* S_START */
	int		 keyline[K_COUNT];
};

struct msg;

struct loader {
	struct config	*cfg;
	FILE		*fp;
	const char	*file;
	char		*dir;		/* of the file; NULL: relative paths stay */
	int		 lineno;
	int		 errors;
	int		 untrusted;	/* of them, files others could change */
	int		 stopped;	/* a line too long: parsing stopped */
	int		 pending;	/* a key line handed to inih, not handled */
	char		*key;		/* the current key line, split */
	char		*value;
	struct sect	*sects;
	struct sect	**tail;
	struct sect	*cur;
	struct sect	 bad;		/* after a malformed header */
	struct msg	*msgs;		/* errors, logged in line order */
	size_t		 nmsgs;
	char		 buf[LINE_MAX_BYTES + 2];
	char		 iobuf[4096];	/* fp's: stdio would fstat to size its own */
};

/* conferr.c */
/* Keeps an error of line (0: the whole file), logged in line order later. */
void	 ld_err(struct loader *ld, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Logs the errors kept, in line order, and forgets them. */
void	 ld_flush(struct loader *ld);

/* config.c */
void	 hook_free(struct hook *h);

/* confread.c: inih's line reader and handler (ini_parse_stream). */
char	*config_reader(char *str, int num, void *stream);
int	 config_handler(void *user, const char *section, const char *name,
	    const char *value);

/* confsect.c: a [SECTION] header becomes ld->cur. */
void	 section_begin(struct loader *ld, const char *name);

/* confkeys.c: the key line ld->key = ld->value, in section s. */
void	 key_apply(struct loader *ld, struct sect *s);

/* confval.c: sets k from v, expanded (takes v); -1 with a reason in err. */
int	 value_set(struct loader *ld, struct sect *s, enum key k, char *v,
	    char *err, size_t len);

/* confprobe.c: wait, http_status, health and its timings, from v (not taken). */
int	 conf_probe_set(struct sect *s, enum key k, const char *v, char *err,
	    size_t len);

/* conffinish.c: what needs the whole file: defaults, argv, users, checks. */
void	 config_finish(struct loader *ld, char *const *app_argv);

#endif
