/* target.h: a probe target as the config holds it (parsed by probeparse.c). */
#ifndef HOOKRUN_TARGET_H
#define HOOKRUN_TARGET_H

#include <stdint.h>

enum probe_kind { PROBE_TCP, PROBE_HTTP, PROBE_UNIX, PROBE_EXEC };

/* HTTP statuses 100..599 as a set: http_status = adds to 2xx and 3xx. */
#define HTTP_CODE_MIN	100
#define HTTP_CODE_MAX	599
struct http_codes {
	uint64_t	 bits[(HTTP_CODE_MAX + 64) / 64];
};

struct probe_target {
	enum probe_kind	  kind;
	char		 *text;		/* as written: for messages and the plan */
	char		 *host;		/* tcp, http: without [] around IPv6 */
	int		  port;
	char		 *path;		/* http: the request target ("/x?y");
					   unix: the socket ("@NAME": abstract) */
	char		**argv;		/* exec: the command, split like exec */
	struct http_codes ok;		/* http: more statuses that answer */
};

#endif
