/* config.h: the configuration file, loaded and validated into struct config. */
#ifndef HOOKRUN_CONFIG_H
#define HOOKRUN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

enum phase_id {
	PHASE_PRE_START,
	PHASE_START,
	PHASE_POST_START,
	PHASE_PRE_STOP,
	PHASE_POST_STOP,
	PHASE_COUNT
};

enum on_failure { ON_FAILURE_ABORT, ON_FAILURE_IGNORE };
enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };
enum ready_kind {
	READY_NONE, READY_NOTIFY, READY_FD, READY_TCP, READY_EXEC, READY_DELAY,
	READY_HTTP, READY_UNIX
};
enum on_unhealthy { UNHEALTHY_RESTART, UNHEALTHY_STOP, UNHEALTHY_IGNORE };

/* What a hook and the app share: the command and how it is run. */
struct proc {
	char		 *exec;		/* the exec value, ${} expanded */
	int		  shell;	/* run exec through /bin/sh -c */
	char		**argv;		/* split exec, or sh -c exec; NULL-terminated */
	char		 *path;		/* argv[0] without a '/', found on PATH at
					   load; NULL: none (looked up when run) */
	char		 *user;		/* NULL: hookrun's own */
	char		 *group;
	uid_t		  uid;		/* valid when user != NULL */
	gid_t		  gid;		/* valid when user or group != NULL */
	char		 *workdir;
	char		**env;		/* "KEY=VALUE" from env =, in file order */
	size_t		  nenv;
	char		**env_files;	/* read when the process is spawned */
	size_t		  nenv_files;
	/* With user: its passwd entry and groups, as systemd's User= sets them. */
	char		 *login;	/* USER and LOGNAME */
	char		 *home;		/* HOME */
	char		 *login_shell;	/* SHELL */
	gid_t		 *groups;	/* gid first, then the user's in /etc/group */
	size_t		  ngroups;
};

struct hook {
	enum phase_id	  phase;
	char		 *name;
	char		 *source;	/* config file, or the hooks_dir file */
	int		  line;		/* of the [PHASE:NAME] header; 0 for hooks_dir */
	struct proc	  proc;
	int64_t		  timeout_ms;	/* 0: none */
	long		  retries;
	int64_t		  retry_delay_ms;
	enum on_failure	  on_failure;
	char		 *lock;		/* NULL: none */
	char		 *once;
	int64_t		  lock_timeout_ms;
	char		**lock_argv;	/* lock = exec:COMMAND, split; else NULL */
	char		**exports;	/* exports = KEY...; NULL: the default */
	size_t		  nexports;
	struct probe_target *wait;	/* wait = targets: no process is run */
	size_t		  nwait;
	struct http_codes http_ok;	/* http_status = */
	char		 *lock_path;	/* its argv[0] found on PATH, as proc.path */
};

/* A hooks_dir file that was not made a hook, and why (for the plan). */
struct skipped {
	char		 *path;
	char		 *why;
	int		  warned;	/* 0 for the silent skip rules (.dpkg-old, ~, ...) */
};

struct phase {
	const char	 *name;		/* "pre_start", ... */
	int		  line;		/* of [PHASE]; 0 when absent */
	int64_t		  timeout_ms;	/* default timeout of its hooks */
	int64_t		  deadline_ms;	/* 0: none */
	enum on_failure	  on_failure;	/* default of its hooks */
	struct hook	**hooks;	/* config hooks in file order, then hooks_dir */
	size_t		  nhooks;
	struct skipped	 *skipped;
	size_t		  nskipped;
};

struct app {
	struct proc	  proc;		/* proc.argv NULL when there is no app */
	int		  line;		/* of [start]; 0 when absent */
	int		  from_cmdline;	/* argv came from the command line */
	enum ready_kind	  ready;
	char		 *ready_arg;	/* the value after "fd:", "delay:", "tcp:"... */
	struct probe_target ready_probe; /* READY_TCP, _HTTP, _UNIX, _EXEC */
	int		  ready_fd;	/* READY_FD */
	int64_t		  ready_delay_ms; /* READY_DELAY */
	int64_t		  ready_timeout_ms;
	int		  stop_signal;	/* 0: the signal hookrun received (TERM if none) */
	unsigned char	  success_status[256];
	int		  signal_group;
	struct probe_target health;	/* health =; text NULL: none */
	int64_t		  health_interval_ms;
	int64_t		  health_timeout_ms;
	long		  health_retries;
	int64_t		  health_start_period_ms;
	enum on_unhealthy on_unhealthy;
	struct http_codes http_ok;	/* http_status = */
};

struct config {
	char		 *file;		/* the path as given or defaulted */
	int		  found;	/* 0: default file missing, plain init */
	char		 *hooks_dir;	/* NULL: none */
	int		  hooks_dir_set; /* set in the file (not the default) */
	int64_t		  timeout_ms;
	int64_t		  kill_timeout_ms;
	int64_t		  stop_timeout_ms;
	enum restart_policy restart;
	int64_t		  restart_delay_ms;
	int64_t		  restart_delay_max_ms;
	long		  restart_limit;
	int64_t		  restart_window_ms;
	int		  log_json;
	int		  log_json_set;	/* log_format given in the file */
	char		 *status_file;	/* NULL: none */
	int		  status_file_set; /* set in the file (not the default) */
	struct phase	  phases[PHASE_COUNT];
	struct app	  app;
};

#define CONFIG_DEFAULT_FILE	"/etc/hookrun/hookrun.ini"
#define CONFIG_DEFAULT_HOOKS_DIR "/etc/hookrun/hooks.d"
#define CONFIG_DEFAULT_STATUS_FILE "/run/hookrun/status"

/*
 * Loads path into cfg. explicit: the path was named with -c (a missing file
 * is then an error, else hookrun acts as a plain init). app_argv, when not
 * NULL, replaces [start] exec. Every error is reported on stderr as
 * "hookrun: FILE:LINE: ..." and counted; returns the number of errors (0:
 * valid). Never exits, never starts a process.
 */
int	 config_load(struct config *cfg, const char *path, int explicit,
	    char *const *app_argv);
void	 config_free(struct config *cfg);

const char *phase_name(enum phase_id);
/* -1 when s names no phase. */
int	 phase_from_name(const char *s);

#endif
