/* signame.c: signals by name and number, both ways: "TERM", "SIGTERM", "15" */
/* or "RTMIN+2" to a number, and a number back to its name. */
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "parse_int.h"

#define SIG_MAX		64

static const struct signame {
	int		 sig;
	const char	*name;
} signames[] = {
	{ SIGHUP, "HUP" },	{ SIGINT, "INT" },	{ SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },	{ SIGTRAP, "TRAP" },	{ SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },	{ SIGFPE, "FPE" },	{ SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },	{ SIGSEGV, "SEGV" },	{ SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },	{ SIGALRM, "ALRM" },	{ SIGTERM, "TERM" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT" },
#endif
	{ SIGCHLD, "CHLD" },	{ SIGCONT, "CONT" },	{ SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },	{ SIGTTIN, "TTIN" },	{ SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },	{ SIGXCPU, "XCPU" },	{ SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },	{ SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },	{ SIGPWR, "PWR" },	{ SIGSYS, "SYS" },
	/* Aliases: parsed, never printed (signal_name finds the above). */
	{ SIGABRT, "IOT" },	{ SIGIO, "POLL" },	{ SIGCHLD, "CLD" },
};

#define N10(a)	"SIG" #a "0", "SIG" #a "1", "SIG" #a "2", "SIG" #a "3", \
		"SIG" #a "4", "SIG" #a "5", "SIG" #a "6", "SIG" #a "7", \
		"SIG" #a "8", "SIG" #a "9"
static const char *const signums[SIG_MAX + 1] = {
	"SIG0", "SIG1", "SIG2", "SIG3", "SIG4", "SIG5", "SIG6", "SIG7",
	"SIG8", "SIG9", N10(1), N10(2), N10(3), N10(4), N10(5),
	"SIG60", "SIG61", "SIG62", "SIG63", "SIG64",
};
#undef N10

#define R10(a)	"RTMIN+" #a "0", "RTMIN+" #a "1", "RTMIN+" #a "2", \
		"RTMIN+" #a "3", "RTMIN+" #a "4", "RTMIN+" #a "5", \
		"RTMIN+" #a "6", "RTMIN+" #a "7", "RTMIN+" #a "8", \
		"RTMIN+" #a "9"
static const char *const rtnames[SIG_MAX - 31] = {
	"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3", "RTMIN+4", "RTMIN+5",
	"RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9", R10(1), R10(2),
	"RTMIN+30", "RTMIN+31", "RTMIN+32",
};
#undef R10

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (after "SIG"), or -1. */
static int
parse_rtsig(const char *s)
{
	long n = 0;
	int base, sign, sig;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		sign = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		sign = -1;
	} else
		return -1;
	s += 5;
	if (*s != '\0') {
		if (*s != (sign > 0 ? '+' : '-') ||
		    parse_digits(s + 1, strlen(s + 1), SIG_MAX, &n) != 0)
			return -1;
	}
	sig = base + sign * (int)n;
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int
parse_signal(const char *s)
{
	long n;
	size_t i;

	if (s == NULL)
		return -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (isdigit_c((unsigned char)*s)) {
		if (parse_digits(s, strlen(s), SIG_MAX, &n) == 0 && n >= 1)
			return (int)n;
		return -1;
	}
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcasecmp(s, signames[i].name) == 0)
			return signames[i].sig;
	return parse_rtsig(s);
}

const char *
signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < sizeof(rtnames) / sizeof(rtnames[0]))
		return rtnames[sig - SIGRTMIN];
	if (sig >= 1 && sig <= SIG_MAX)
		return signums[sig];
	return "unknown";
}
