/* fuzz_probe.c: libFuzzer target for probe_parse, the HTTP status line and http_status lists,
 * with their invariants: a parsed probe can be turned into a request that has no line break
 * but its own, and the status line parser never reads past its input.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -DHOOKRUN_VERSION='"fuzz"'
 *   -o fuzz_probe tests/fuzz/fuzz_probe.c src/probeparse.c src/http.c src/parse.c
 *   src/signame.c src/argv.c src/expand.c
 * Run:   ./fuzz_probe tests/fuzz/corpus_probe */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "probe.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The request's lines: exactly the ones http_request writes, each ending CRLF. */
static void
check_request(const struct probe_target *t)
{
	char req[4096];
	int n, lines = 0, i;

	if ((n = http_request(t, req, sizeof(req))) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (req[i] == '\n' && (i == 0 || req[i - 1] != '\r'))
			abort();
		if (req[i] == '\r' && (i + 1 >= n || req[i + 1] != '\n'))
			abort();
		lines += req[i] == '\n';
	}
	if (lines != 6)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_target t;
	struct http_codes c;
	char *s, err[256];
	int code = -1, r;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (probe_parse(s, &t, err, sizeof(err)) == 0) {
		if (t.text == NULL || strcmp(t.text, s) != 0)
			abort();
		if (t.kind == PROBE_TCP || t.kind == PROBE_HTTP) {
			if (t.host == NULL || t.port < 1 || t.port > 65535)
				abort();
		}
		if (t.kind == PROBE_HTTP) {
			if (t.path == NULL || t.path[0] != '/')
				abort();
			check_request(&t);
		}
		probe_target_free(&t);
	} else if (strlen(err) == 0)
		abort();
	memset(&c, 0, sizeof(c));
	(void)http_codes_parse(s, &c, err, sizeof(err));
	/* On the raw bytes, NULs included: it must stay within size. */
	r = http_status_line((const char *)data, size, &code);
	if (r == 1 && (code < HTTP_CODE_MIN || code > 999))
		abort();
	free(s);
	return 0;
}
