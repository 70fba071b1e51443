/* confsect.c: section headers: what [NAME] or [PHASE:NAME] names, repeats, */
/* and the hook, phase or app that the keys below it set. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"

static const char *const section_names[] = {
	"hookrun", "pre_start", "start", "post_start", "pre_stop", "post_stop",
	NULL
};
static const char *const hook_phase_names[] = {
	"pre_start", "post_start", "pre_stop", "post_stop", NULL
};

/* A hook with the defaults that do not depend on sections read later. */
static struct hook *
hook_new(enum phase_id ph, const char *name, const char *source, int line)
{
	struct hook *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->phase = ph;
	h->line = line;
	h->retry_delay_ms = 1000;
	if ((h->name = strdup(name)) == NULL ||
	    (h->source = strdup(source)) == NULL) {
		hook_free(h);
		return NULL;
	}
	return h;
}

static int
config_add_hook(struct phase *p, struct hook *h)
{
	struct hook **nh;

	if ((nh = realloc(p->hooks, (p->nhooks + 1) * sizeof(*nh))) == NULL)
		return -1;
	nh[p->nhooks++] = h;
	p->hooks = nh;
	return 0;
}

static int
hook_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) ||
		    *s == '/')
			return 0;
	return 1;
}

/* Sorts out what a header names; returns the kind, S_BAD after an error. */
static enum kind
section_kind(struct loader *ld, const char *name, int *ph, const char **hname)
{
	char pname[64], hint[128] = "";
	const char *colon, *close;
	size_t n;

	*hname = NULL;
	if ((colon = strchr(name, ':')) == NULL) {
		if (strcmp(name, "hookrun") == 0)
			return S_HOOKRUN;
		if ((*ph = phase_from_name(name)) == PHASE_START)
			return S_START;
		if (*ph >= 0)
			return S_PHASE;
		if ((close = parse_closest(name, section_names)) != NULL)
			snprintf(hint, sizeof(hint), " (did you mean [%s]?)",
			    close);
		ld_err(ld, ld->lineno, "unknown section [%s]%s", name, hint);
		return S_BAD;
	}
	n = (size_t)(colon - name);
	snprintf(pname, sizeof(pname), "%.*s", (int)(n < 63 ? n : 63), name);
	*ph = n < 63 ? phase_from_name(pname) : -1;
	if (*ph == PHASE_START) {
		ld_err(ld, ld->lineno, "[%s]: the start phase has no hooks "
		    "(the app is [start])", name);
		return S_BAD;
	}
	if (*ph < 0) {
		if ((close = parse_closest(pname, hook_phase_names)) != NULL)
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)",
			    close);
		ld_err(ld, ld->lineno, "unknown phase '%s' in [%s]%s", pname,
		    name, hint);
		return S_BAD;
	}
	*hname = colon + 1;
	if (**hname == '\0' || !hook_name_ok(*hname)) {
		ld_err(ld, ld->lineno, "bad hook name in [%s]: it must be "
		    "non-empty, without blanks or '/'", name);
		return S_BAD;
	}
	return S_HOOK;
}

void
section_begin(struct loader *ld, const char *name)
{
	struct config *cfg = ld->cfg;
	struct sect *s, *o;
	const char *hname;
	int ph = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(name)) == NULL) {
		free(s);
		ld->cur = &ld->bad;
		ld_err(ld, ld->lineno, "out of memory");
		return;
	}
	s->line = ld->lineno;
	*ld->tail = s;
	ld->tail = &s->next;
	ld->cur = s;
	if (*name == '\0') {
		ld_err(ld, ld->lineno, "empty section name");
		return;
	}
	if ((s->kind = section_kind(ld, name, &ph, &hname)) == S_BAD)
		return;
	for (o = ld->sects; o != s; o = o->next)
		if (o->kind != S_BAD && strcmp(o->name, name) == 0)
			break;
	if (o != s) {
		ld_err(ld, ld->lineno, "section [%s] repeated (first at line "
		    "%d)", name, o->line);
		s->dup = 1;
	}
	if (s->kind == S_PHASE || s->kind == S_HOOK)
		s->phase = &cfg->phases[ph];
	switch (s->kind) {
	case S_HOOKRUN:
		s->cfg = s->dup ? calloc(1, sizeof(*s->cfg)) : cfg;
		break;
	case S_PHASE:
		if (!s->dup)
			s->phase->line = s->line;
		else if ((s->phase = calloc(1, sizeof(*s->phase))) != NULL)
			s->phase->name = phase_name(ph);
		break;
	case S_START:
		s->app = s->dup ? calloc(1, sizeof(*s->app)) : &cfg->app;
		if (!s->dup)
			cfg->app.line = s->line;
		break;
	case S_HOOK:
		s->hook = hook_new(ph, hname, ld->file, s->line);
		if (s->hook != NULL && !s->dup &&
		    config_add_hook(s->phase, s->hook) == -1) {
			hook_free(s->hook);
			s->hook = NULL;
		}
		if (s->hook == NULL)
			s->phase = NULL;
		break;
	default:
		break;
	}
	if (s->cfg == NULL && s->phase == NULL && s->app == NULL) {
		ld_err(ld, ld->lineno, "out of memory");
		s->kind = S_BAD;
	}
}
