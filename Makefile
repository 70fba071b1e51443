# hookrun: build, test, demo, install. `make help` lists the targets.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
# Kept apart from CFLAGS, so that `make CFLAGS=...` adds to them.
WFLAGS	 = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Iinclude
# libev, inih and c-ares go into the binary (Debian ships their archives):
# fewer shared objects to load and relocate at each start, less dirty memory.
LDLIBS	+= -Wl,-Bstatic -lev -linih -lcares -Wl,-Bdynamic

VERSION	 = 0.1.0
CPPFLAGS += -DHOOKRUN_VERSION=\"$(VERSION)\"

B	 = build
SRCS	 = $(wildcard src/*.c)
OBJS	 = $(SRCS:src/%.c=$(B)/%.o)
LIBOBJS	 = $(filter-out $(B)/main.o,$(OBJS))
UNITS	 = $(wildcard tests/unit/test_*.c)
UNITBINS = $(UNITS:tests/unit/%.c=$(B)/unit/%)

PYTHON	 = /usr/bin/python3

# hookrun-pglock, built only where libpq is found (pkg-config, else pg_config).
PQ_FROM	:= $(shell pkg-config --exists libpq 2>/dev/null && echo pkg-config || \
	   { pg_config --includedir >/dev/null 2>&1 && echo pg_config; })
ifeq ($(PQ_FROM),pkg-config)
PQ_CFLAGS := $(shell pkg-config --cflags libpq)
PQ_LIBS	  := $(shell pkg-config --libs libpq)
else ifeq ($(PQ_FROM),pg_config)
PQ_CFLAGS := -I$(shell pg_config --includedir)
PQ_LIBS	  := -L$(shell pg_config --libdir) -lpq
endif
PGLOCK	 = $(if $(PQ_FROM),hookrun-pglock)
PGSRCS	 = $(wildcard src/pglock/*.c)
PGOBJS	 = $(PGSRCS:src/pglock/%.c=$(B)/pglock/%.o)

.PHONY: all check unit golden blackbox asan demo deps install clean help \
	bench static lint fuzz fuzz-build engines container systemd

all: hookrun $(PGLOCK)

# hookrun itself is a static PIE: nothing for a dynamic loader to open, map
# and relocate at each start (a third of its system calls for `hookrun --
# /bin/true`), runnable in any image, its addresses still randomized.
# `make LINK=dynamic` links it against the shared C library instead;
# `make LINK=static` statically at a fixed address (12 KiB less dirty
# memory, the relocated pointers of a PIE, but no address randomization).
LINK	?= static-pie
ifeq ($(LINK),static-pie)
HOOKRUN_LINK = -static-pie
HOOKRUN_LIBS = -lev -linih -lcares
else ifeq ($(LINK),static)
HOOKRUN_LINK = -static
HOOKRUN_LIBS = -lev -linih -lcares
else
HOOKRUN_LINK =
HOOKRUN_LIBS = $(LDLIBS)
endif

hookrun: $(OBJS)
	$(CC) $(LDFLAGS) $(HOOKRUN_LINK) -o $@ $(OBJS) $(HOOKRUN_LIBS)

# The same against the shared C library: for valgrind, which cannot follow
# a static glibc's malloc, and for the dynamic figures of make bench.
hookrun-dynamic: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(B)/%.o: src/%.c $(wildcard include/*.h) | $(B)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

hookrun-pglock: $(PGOBJS)
	$(CC) $(LDFLAGS) -o $@ $(PGOBJS) $(PQ_LIBS)

$(B)/pglock/%.o: src/pglock/%.c $(wildcard src/pglock/*.h) | $(B)/pglock
	$(CC) $(CPPFLAGS) $(WFLAGS) $(PQ_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B) $(B)/unit $(B)/pglock:
	mkdir -p $@

$(B)/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBOBJS) | $(B)/unit
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(LIBOBJS) $(LDLIBS)

# Everything a newcomer needs, from a clean clone. The engine suites run when
# root and the engines can start here; otherwise they say why they skipped.
check: deps
	$(MAKE) all
	$(MAKE) unit golden lint
	$(MAKE) blackbox
	$(MAKE) asan
	@# The fuzzers keep one core busy; the engines mostly wait (debootstrap,
	@# podman, systemd): side by side they take the time of the longer.
	$(MAKE) -j2 --output-sync=target FUZZ_SECONDS=60 fuzz engines

unit: $(UNITBINS)
	@fail=0; for t in $(UNITBINS); do $$t || fail=1; done; exit $$fail

golden: hookrun
	tests/golden/run

# The lock tests use hookrun-pglock, and skip its part where libpq is missing;
# the probe tests run hookrun-static in an empty root.
blackbox: hookrun hookrun-dynamic static $(PGLOCK)
	HOOKRUN=$(CURDIR)/hookrun HOOKRUN_DYNAMIC=$(CURDIR)/hookrun-dynamic $(PYTHON) -m pytest -q -p no:cacheprovider tests/blackbox

# The whole black-box suite again, against a build with ASan and UBSan.
asan: $(PGLOCK)
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" hookrun-asan
	HOOKRUN=$(CURDIR)/hookrun-asan HOOKRUN_SANITIZED=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/blackbox

# The libFuzzer targets (clang, ASan/UBSan): the whole config loader, and
# the value parsers, the probe parsers. `make fuzz` runs them for FUZZ_SECONDS.
FUZZ_SECONDS ?= 600
FZ	 = build-fuzz
FUZZ_CFLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
PARSEOBJS = $(addprefix $(B)/,parse.o signame.o argv.o expand.o)
PROBEOBJS = $(addprefix $(B)/,probeparse.o http.o) $(PARSEOBJS)

fuzz: fuzz-build
	sh tests/fuzz/run $(FUZZ_SECONDS)

fuzz-build:
	$(MAKE) B=$(FZ) CC=clang CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" \
		$(FZ)/fuzz_config $(FZ)/fuzz_parse $(FZ)/fuzz_probe

$(FZ)/fuzz_config: tests/fuzz/fuzz_config.c $(LIBOBJS)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(LIBOBJS) $(LDLIBS)

$(FZ)/fuzz_probe: tests/fuzz/fuzz_probe.c $(PROBEOBJS)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(PROBEOBJS)

$(FZ)/fuzz_parse: tests/fuzz/fuzz_parse.c $(PARSEOBJS)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(PARSEOBJS)
# hookrun in the engines it is for: podman with runc (tests/container, which
# also builds conf/Dockerfile), and systemd 252 booted in systemd-nspawn
# (tests/systemd). Root only; REQUIRE_ENGINES=1 makes a skip a failure.
engines: all static
	sh tests/engines

container: all static
	tests/container/run

systemd: all
	tests/systemd/run

# hookrun linked statically at a fixed address, for scratch or distroless
# images where every KiB counts: 12 KiB less dirty memory than the static
# PIE (no pointers to relocate), no address randomization.
static:
	$(MAKE) B=build-static LDFLAGS="-static" LDLIBS="-lev -linih -lcares" hookrun-static

hookrun-static: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

hookrun-asan: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

lint:
	@if command -v mandoc >/dev/null; then \
		mandoc -Tlint -Wwarning man/*.[0-9] && echo "mandoc: man pages clean"; \
	else echo "mandoc missing: run make deps"; exit 1; fi

demo: deps
	$(MAKE) all
	./hookrun -c conf/demo.ini

# Installs what building and testing need, when missing (Debian; as root).
deps:
	@sh tests/deps.sh

# Every benchmark, then the figures side by side (tests/bench/README.md).
bench: hookrun hookrun-dynamic
	-$(MAKE) static
	bash tests/bench/table

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 hookrun $(DESTDIR)$(BINDIR)/hookrun
	install -m 644 man/hookrun.8 $(DESTDIR)$(MANDIR)/man8/hookrun.8
	install -m 644 man/hookrun.ini.5 $(DESTDIR)$(MANDIR)/man5/hookrun.ini.5
ifneq ($(PGLOCK),)
	install -m 755 hookrun-pglock $(DESTDIR)$(BINDIR)/hookrun-pglock
	install -m 644 man/hookrun-pglock.8 $(DESTDIR)$(MANDIR)/man8/hookrun-pglock.8
endif

clean:
	rm -rf $(B) build-asan build-static build-fuzz hookrun hookrun-asan hookrun-dynamic hookrun-static \
		hookrun-pglock

help:
	@echo "make          build hookrun (and hookrun-pglock where libpq is found)"
	@echo "make demo     build and run the demo (conf/demo.ini)"
	@echo "make check    every test: unit, golden, black-box, ASan/UBSan, engines"
	@echo "make engines  the container and systemd suites (root; also: make container, make systemd)"
	@echo "make deps     apt-install what is missing (as root)"
	@echo "make install  PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make bench    benchmarks against tini, dumb-init, run-parts (tests/bench)"
	@echo "make static   a statically linked hookrun-static"
	@echo "make fuzz     the fuzz targets, FUZZ_SECONDS=$(FUZZ_SECONDS) (needs clang)"
