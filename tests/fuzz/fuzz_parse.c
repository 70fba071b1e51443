/* fuzz_parse.c: libFuzzer target for parse.h: argv splitting, ${VAR}
 * expansion, durations and the smaller parsers, with their invariants.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
 *   -o fuzz_parse tests/fuzz/fuzz_parse.c src/parse.c src/signame.c
 *   src/argv.c src/expand.c
 * Run:   ./fuzz_parse tests/fuzz/corpus_parse */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *
lookup(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "A") == 0)
		return "alpha";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	if (strcmp(name, "D") == 0)
		return "${A} $$";	/* never expanded again */
	if (name[0] == 'S')
		return "set";
	return NULL;
}

static void
fuzz_argv(const char *s)
{
	char **v, err[128];
	int argc, i;

	if (parse_argv(s, &v, &argc, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (argc < 1 || v[argc] != NULL)
		abort();
	for (i = 0; i < argc; i++)
		if (strlen(v[i]) > strlen(s))
			abort();
	argv_free(v);
}

static void
fuzz_expand(const char *s)
{
	char *out, err[128];

	if (parse_expand(s, lookup, NULL, &out, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	/* Without a $ nothing changes. */
	if (strchr(s, '$') == NULL && strcmp(out, s) != 0)
		abort();
	free(out);
}

static void
fuzz_duration(const char *s)
{
	char err[128], buf[32];
	int64_t ms, back;

	if (parse_duration(s, &ms, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (ms < 0 || ms > PARSE_DURATION_MAX_MS)
		abort();
	format_duration(ms, buf, sizeof(buf));
	if (ms != 0 && (parse_duration(buf, &back, err, sizeof(err)) == -1 ||
	    back != ms))
		abort();
}

static void
fuzz_rest(const char *s)
{
	static const char *const words[] = {
		"exec", "timeout", "retries", "env_file", "pre_start", NULL,
	};
	unsigned char set[256];
	char err[128];
	int64_t w;
	long n;
	size_t eq;
	int sig, b;

	if ((sig = parse_signal(s)) != -1) {
		if (sig < 1 || sig > 64 ||
		    parse_signal(signal_name(sig)) != sig)
			abort();
	}
	(void)parse_bool(s, &b, err, sizeof(err));
	(void)parse_uint(s, 1000, &n, err, sizeof(err));
	if (parse_rate(s, &n, &w, err, sizeof(err)) == 0 && (n < 0 || w <= 0))
		abort();
	memset(set, 0, sizeof(set));
	(void)parse_status_list(s, set, err, sizeof(err));
	if (parse_env_line(s, &eq, err, sizeof(err)) == 1 &&
	    (s[eq] != '=' || !parse_env_name(s + parse_env_key(s),
	    eq - parse_env_key(s))))
		abort();
	(void)parse_closest(s, words);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';		/* the parsers see C strings: stop at a NUL */
	fuzz_argv(s);
	fuzz_expand(s);
	fuzz_duration(s);
	fuzz_rest(s);
	free(s);
	return 0;
}
