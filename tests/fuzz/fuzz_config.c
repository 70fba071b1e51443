/* fuzz_config.c: libFuzzer target for the whole config loader: inih and our */
/* line reader, sections, keys, values, ${} expansion, the checks that need */
/* the whole file, and the plan printed from what loaded. Built and run by */
/* `make fuzz` (FUZZ_SECONDS, default 600) and for 60 s by `make check`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "plan.h"

int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[64] = "/tmp/hookrun-fuzz.XXXXXX";
static char	 file[96];
static FILE	*devnull;

static void
cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (access("/dev/shm", W_OK) == 0)
		memcpy(dir, "/dev/shm", 8);
	if (mkdtemp(dir) == NULL || (devnull = fopen("/dev/null", "w")) ==
	    NULL) {
		perror("fuzz_config: setup");
		exit(1);
	}
	snprintf(file, sizeof(file), "%s/hookrun.ini", dir);
	atexit(cleanup);
	/* What the seeds expand; anything else is unset. */
	setenv("RELEASE_VERSION", "1.2.3", 1);
	setenv("VAR", "value", 1);
	setenv("EMPTY", "", 1);
	return 0;
}

static void
check_proc(const struct proc *p)
{
	if (p->argv == NULL || p->argv[0] == NULL || p->exec == NULL)
		abort();
	if (p->nenv > 0 && p->env == NULL)
		abort();
}

/* What a config that loaded without an error promises the rest of hookrun. */
static void
check_config(const struct config *cfg)
{
	const struct phase *ph;
	const struct hook *h;
	size_t i;
	int p;

	if (cfg->timeout_ms < 0 || cfg->kill_timeout_ms < 0 ||
	    cfg->stop_timeout_ms < 0 || cfg->restart_delay_ms < 0)
		abort();
	for (p = 0; p < PHASE_COUNT; p++) {
		ph = &cfg->phases[p];
		if (p == PHASE_START && ph->nhooks != 0)
			abort();
		for (i = 0; i < ph->nhooks; i++) {
			h = ph->hooks[i];
			if (h == NULL || h->name == NULL || h->name[0] == '\0' ||
			    h->phase != (enum phase_id)p || h->timeout_ms < 0)
				abort();
			if (h->once != NULL && h->lock == NULL)
				abort();
			/* It runs a command, or waits for targets: never both. */
			if ((h->nwait > 0) == (h->proc.exec != NULL) ||
			    (h->nwait > 0 && h->wait == NULL))
				abort();
			if (h->nwait == 0)
				check_proc(&h->proc);
		}
	}
	if (cfg->app.proc.argv != NULL)
		check_proc(&cfg->app.proc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	int fd;

	if ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (config_load(&cfg, file, 1, NULL) == 0) {
		check_config(&cfg);
		(void)plan_print(devnull, &cfg, -1);
		fflush(devnull);
	}
	config_free(&cfg);
	return 0;
}
