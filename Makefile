# vlcnet: netcat-like tools driven by Lua 5.1. `make` builds everything under build/.
PREFIX   ?= /usr/local
DESTDIR  ?=
LUA      ?= lua5.1
CC       ?= cc
CFLAGS   ?= -O2 -g
SANITIZE ?=

BUILD    = build

# Where `make install` puts things (below $(DESTDIR)). For PREFIX=/usr the
# completions and the Lua C module go where the system's bash-completion, zsh
# and lua look (Debian's zsh reads vendor-completions, not site-functions);
# elsewhere below PREFIX, which lua5.1 and zsh search for /usr/local.
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/vlcnet
BATSLIBDIR ?= $(PREFIX)/lib/bats
ifeq ($(PREFIX),/usr)
BASHCOMPDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
LUACMODDIR  ?= $(or $(shell pkg-config --variable=INSTALL_CMOD $(LUA) 2>/dev/null),$(PREFIX)/lib/lua/5.1)
else
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
LUACMODDIR  ?= $(PREFIX)/lib/lua/5.1
endif
LUA_CFLAGS := $(shell pkg-config --cflags $(LUA))
IDN_CFLAGS := $(shell pkg-config --cflags libidn2)
IDN_LIBS   := $(shell pkg-config --libs libidn2)
TLS_CFLAGS := $(shell pkg-config --cflags libtls)
TLS_LIBS   := $(shell pkg-config --libs libtls)
CORE_CFLAGS = $(IDN_CFLAGS) $(TLS_CFLAGS)
CORE_LIBS   = $(IDN_LIBS) $(TLS_LIBS)
PKG_CFLAGS  = $(LUA_CFLAGS) $(CORE_CFLAGS)
PKG_LIBS   := $(shell pkg-config --libs $(LUA) libidn2 libtls)
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ALL_CFLAGS = -std=c99 -D_GNU_SOURCE -Wall -Wextra -fPIC $(SAN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

TOOLS  = listen connect stat ls
BINS   = $(TOOLS:%=$(BUILD)/vlcnet-%)
CORE   = $(patsubst %.c,$(BUILD)/%.o,$(wildcard core/*.c))
LUAOBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out lua/module.c,$(wildcard lua/*.c)))
UNITS  = $(patsubst test/unit/%_test.c,$(BUILD)/test/%_test,$(wildcard test/unit/*_test.c))

all: $(BINS) $(BUILD)/vlcnet.so

# Objects are rebuilt when the Lua flavour or the sanitizer setting changes.
CONFIG = $(LUA) $(SANITIZE) $(CC) $(CFLAGS)
$(BUILD)/.config: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CONFIG)' | cmp -s - $@ || echo '$(CONFIG)' > $@

$(BUILD)/%.o: %.c $(BUILD)/.config
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# core/ never includes lua.h: its objects, and the unit tests that link only
# them, are compiled without Lua's include path, so that the compiler says so.
$(BUILD)/core/%.o $(BUILD)/test/%: PKG_CFLAGS = $(CORE_CFLAGS)

$(BUILD)/vlcnet-%: $(BUILD)/cmd/%.o $(BUILD)/cmd/cli.o $(LUAOBJ) $(CORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The file tools share cmd/files.c; vlcnet-ls is split along its jobs; the
# network tools share the --tls-* options and the stream options.
$(BUILD)/vlcnet-listen $(BUILD)/vlcnet-connect: $(BUILD)/cmd/tls_opts.o $(BUILD)/cmd/stream_opts.o
$(BUILD)/vlcnet-stat: $(BUILD)/cmd/files.o
$(BUILD)/vlcnet-ls: $(BUILD)/cmd/files.o $(BUILD)/cmd/ls_walk.o $(BUILD)/cmd/ls_print.o
# The network tools share the per-connection children of cmd/exec.c and the
# table of modes of cmd/mode.c; each reads its command line in cmd/*_cli.c.
$(BUILD)/vlcnet-listen $(BUILD)/vlcnet-connect: $(BUILD)/cmd/exec.o $(BUILD)/cmd/mode.o
$(BUILD)/vlcnet-listen: $(BUILD)/cmd/listen_cli.o
$(BUILD)/vlcnet-connect: $(BUILD)/cmd/connect_cli.o

$(BUILD)/vlcnet.so: $(BUILD)/lua/module.o $(BUILD)/lua/net.o $(BUILD)/lua/fdtab.o \
		$(BUILD)/lua/tls.o $(BUILD)/lua/task.o $(BUILD)/lua/task_op.o $(CORE)
	$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ $(CORE_LIBS) -lm

$(BUILD)/test/%_test: test/unit/%_test.c $(CORE) $(BUILD)/.config
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE) $(CORE_LIBS) -lm
# oom_test fails the allocations of core/ one by one (see the file).
$(BUILD)/test/oom_test: ALL_LDFLAGS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
# fs_test answers vn_fs_sort's comparisons as an adversary would (see the file).
$(BUILD)/test/fs_test: ALL_LDFLAGS += -Wl,--wrap=strcmp

# --- the test suite, in tiers -------------------------------------------
# check: the fast tier, the one to run before each commit: the build, the C
# unit tests (test/units.sh), then the bats files of BATS_FAST whatever the
# unit tests did; it fails if either failed. The other tiers, each usable
# alone (./setup.sh test all runs them all):
#   check-sanitize  the unit tests and the bats files again, built with ASan
#                   and UBSan (build/sanitize)
#   check-luajit    the bats files again, built against LuaJIT (build/luajit);
#                   the unit tests link no Lua: check ran them as built here
#   check-fuzz      the libFuzzer harnesses (test/fuzz.bats)
#   check-dist      the release tarball, the Debian package, the rock
# The repeat passes (sanitize, luajit) leave out BATS_ONCE, the files that do
# not depend on the build's flavour, and set VLCNET_REPEAT_PASS, which makes
# those files skip when one is named to a repeat pass by hand. check-units
# and check-bats are the two halves, for any BUILD.
#
# The bats files run BATS_JOBS at a time (with GNU parallel, when installed;
# one at a time otherwise), each file's tests in order; the longest files
# (BATS_FIRST, longest first as timed in the fast tier) start first, so that
# no long one is left to run alone at the end.
BATS_JOBS  ?= 2
BATS_FIRST  = test/examples.bats test/tls.bats test/man_examples.bats test/broker.bats \
	test/proxy.bats test/task_http.bats test/relay.bats test/exec.bats \
	test/transport_cli.bats test/bats-vlcnet.bats test/netcat.bats test/api.bats \
	test/listen.bats test/hardening.bats test/ls.bats test/faults.bats
BATS_FUZZ   = test/fuzz.bats
BATS_DIST   = test/dist.bats test/package.bats test/luarocks.bats
BATS_ONCE   = test/bats-vlcnet.bats test/completion.bats test/docs.bats test/harness.bats \
	test/readme.bats
BATS_ALL    = $(filter $(wildcard test/*.bats),$(BATS_FIRST)) \
	$(filter-out $(BATS_FIRST),$(wildcard test/*.bats))
BATS_FAST   = $(filter-out $(BATS_FUZZ) $(BATS_DIST),$(BATS_ALL))
BATS_REPEAT = $(filter-out $(BATS_ONCE),$(BATS_FAST))
BATS_FILES ?= $(BATS_FAST)
# run_bats FILES: the recipe's bats line, against $(BUILD).
run_bats = jobs=; [ "$(BATS_JOBS)" -le 1 ] || ! command -v parallel >/dev/null || \
		jobs="--jobs $(BATS_JOBS) --no-parallelize-within-files"; \
	echo "VLCNET_BUILD=$(abspath $(BUILD)) bats $$jobs $(1)"; \
	VLCNET_BUILD=$(abspath $(BUILD)) bats $$jobs $(1)

check: all $(UNITS)
	@st=0; test/units.sh $(UNITS) || st=1; \
	$(call run_bats,$(BATS_FILES)) || st=1; \
	exit $$st

check-units: $(UNITS)
	@test/units.sh $(UNITS)

check-bats: all
	@$(call run_bats,$(BATS_FILES))

check-sanitize:
	@st=0; $(MAKE) -s SANITIZE=1 BUILD=build/sanitize check-units || st=1; \
	VLCNET_REPEAT_PASS=1 $(MAKE) -s SANITIZE=1 BUILD=build/sanitize \
		BATS_FILES="$(BATS_REPEAT)" check-bats || st=1; \
	exit $$st

check-luajit:
	@VLCNET_REPEAT_PASS=1 $(MAKE) -s LUA=luajit BUILD=build/luajit \
		BATS_FILES="$(BATS_REPEAT)" check-bats

check-fuzz: all
	@$(call run_bats,$(BATS_FUZZ))

check-dist: all
	@$(call run_bats,$(BATS_DIST))

# install creates the directories it needs (install -d) and copies the files;
# uninstall removes those files and nothing else: a directory may be shared
# with other software, so it stays, even when empty.
MAN1     = $(wildcard man/*.1)
MAN3     = $(wildcard man/*.3)
MAN7     = $(wildcard man/*.7)
EXAMPLES = $(shell find examples -type f 2>/dev/null | LC_ALL=C sort)
DOCS     = $(wildcard README.md)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LUACMODDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BATSLIBDIR)/bats-vlcnet
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(BUILD)/vlcnet.so $(DESTDIR)$(LUACMODDIR)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	install -m 644 lib/bats-vlcnet/load.bash $(DESTDIR)$(BATSLIBDIR)/bats-vlcnet
	install -m 644 completions/bash/vlcnet $(DESTDIR)$(BASHCOMPDIR)/vlcnet
	for t in $(TOOLS); do ln -sf vlcnet $(DESTDIR)$(BASHCOMPDIR)/vlcnet-$$t; done
	install -m 644 completions/zsh/_vlcnet $(DESTDIR)$(ZSHCOMPDIR)
	for f in $(EXAMPLES); do install -D -m 644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	$(if $(DOCS),install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR))

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/vlcnet-%) $(DESTDIR)$(LUACMODDIR)/vlcnet.so
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN3:man/%=$(DESTDIR)$(MANDIR)/man3/%)
	rm -f $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) $(DESTDIR)$(BATSLIBDIR)/bats-vlcnet/load.bash
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vlcnet $(TOOLS:%=$(DESTDIR)$(BASHCOMPDIR)/vlcnet-%)
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_vlcnet
	rm -f $(EXAMPLES:%=$(DESTDIR)$(DOCDIR)/%) $(DOCS:%=$(DESTDIR)$(DOCDIR)/%)

# --- releases -------------------------------------------------------------
VERSION := $(shell sed -n 's/^\#define VN_VERSION "\(.*\)"$$/\1/p' core/version.h)
DIST     = vlcnet-$(VERSION)

# dist: $(DIST).tar.gz in DISTDIR (here), its top directory $(DIST)/, from
# the files git tracks at HEAD (git archive: a release is a commit, not the
# work tree). The rockspec's source names that file, for `luarocks build` and
# `luarocks pack`. distcheck unpacks it in $(BUILD)/distcheck, builds it there
# and runs its fast tier (make check): what a release is checked with.
DISTDIR ?= .
dist:
	@[ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] || \
		{ echo "make dist: needs this tree's git repository (it archives HEAD)" >&2; exit 1; }
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(DISTDIR)/$(DIST).tar.gz HEAD

distcheck:
	rm -rf $(BUILD)/distcheck
	mkdir -p $(BUILD)/distcheck
	$(MAKE) dist DISTDIR=$(BUILD)/distcheck
	tar -xzf $(BUILD)/distcheck/$(DIST).tar.gz -C $(BUILD)/distcheck
	$(MAKE) -C $(BUILD)/distcheck/$(DIST) check

# deb: the Debian package, built by dpkg-buildpackage from a copy of the
# tracked files (those of the work tree, changes included; all but build/
# outside a git repository) in DEB_DIR, which gets $(DIST)/ and the package
# beside it: $(DEB_DIR)/vlcnet_$(VERSION)_ARCH.deb. dpkg-buildpackage writes
# into the tree it builds (debian/files, debian/vlcnet/, build/...): this tree
# stays as it was. DEB_BUILD_OPTIONS=nocheck skips the test suite, and then
# needs none of the test packages (the nocheck build profile).
DEB_DIR ?= $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/$(DIST)
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		git ls-files -z | tar --null -T - --ignore-failed-read -cf -; \
	else \
		tar --exclude=./build -cf - .; \
	fi | tar -xf - -C $(DEB_DIR)/$(DIST)
	cd $(DEB_DIR)/$(DIST) && \
		dpkg-buildpackage -us -uc -b $(if $(filter nocheck,$(DEB_BUILD_OPTIONS)),-Pnocheck)

clean:
	rm -rf $(BUILD)

.SECONDARY:
FORCE:
.PHONY: all check check-units check-bats check-sanitize check-luajit check-fuzz check-dist \
	clean deb dist distcheck install uninstall FORCE
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- fuzzing: clang's libFuzzer with ASan and UBSan ---------------------
# `make fuzz` builds test/fuzz/*_fuzz.c into $(BUILD)/fuzz/ and runs each
# for FUZZ_SECONDS on a copy of its corpus; a crash, a sanitizer report or a
# hang (-timeout) fails the target and leaves the input in $(BUILD)/fuzz/.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?= -timeout=10 -rss_limit_mb=2048
FUZZ_DIR     = $(BUILD)/fuzz
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=c99 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) $(PKG_CFLAGS)
FUZZERS      = $(patsubst test/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard test/fuzz/*_fuzz.c))
FUZZ_OBJ     = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(wildcard core/*.c) \
               $(filter-out lua/module.c,$(wildcard lua/*.c)) cmd/cli.c cmd/files.c cmd/tls_opts.c \
               cmd/exec.c cmd/stream_opts.c cmd/mode.c cmd/listen_cli.c cmd/connect_cli.c)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/core/%.o: PKG_CFLAGS = $(CORE_CFLAGS)

$(FUZZ_DIR)/%_fuzz: test/fuzz/%_fuzz.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_OBJ) \
		$(PKG_LIBS) -lm

fuzzers: $(FUZZERS)

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		n=$$(basename $$f _fuzz); c=$(FUZZ_DIR)/corpus-$$n; \
		rm -rf $$c; mkdir -p $$c; cp test/fuzz/corpus/$$n/* $$c/; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_DIR)/$$n- \
			$(FUZZ_FLAGS) $$c 2>$(FUZZ_DIR)/$$n.log || \
			{ tail -n 60 $(FUZZ_DIR)/$$n.log; exit 1; }; \
		grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_DIR)/$$n.log | tail -n 1; \
	done

.PHONY: fuzz fuzzers

# --- coverage: gcc --coverage, the unit tests and the plain tier's bats -----
# `make coverage` builds everything into $(COV_BUILD) with --coverage (and
# test/gcov_shim.c, so that children ending with _exit and processes dying
# of a re-raised signal are counted), runs the unit tests and COV_BATS
# against it, and prints gcovr's report of core/, cmd/ and lua/. Its last
# line is "coverage: lines NN.N%, branches NN.N%". Each tool first runs
# once with umask 000 in directories open to all, so that its count files
# exist writable by all: the tests that run the tools as the user nobody
# (as_nobody, as root) add their counts too. The files that build
# something else (the fuzzers, the package, the rock) are left out.
COV_BUILD  = $(BUILD)/coverage
COV_BATS  ?= $(filter-out test/fuzz.bats test/package.bats test/luarocks.bats,$(BATS_FILES))
COV_MAKE   = $(MAKE) --no-print-directory BUILD=$(COV_BUILD) SANITIZE= CFLAGS='-O0 -g --coverage' \
	LDFLAGS='--coverage $(abspath $(COV_BUILD))/gcov_shim.o -Wl,--wrap=_exit,--wrap=raise'
coverage:
	@mkdir -p $(COV_BUILD)
	$(CC) -O0 -g -c test/gcov_shim.c -o $(COV_BUILD)/gcov_shim.o
	@$(COV_MAKE) all $(UNITS:$(BUILD)/%=$(COV_BUILD)/%)
	@find $(COV_BUILD) -name '*.gcda' -delete
	@umask 000 && find $(COV_BUILD) -type d -exec chmod a+rwx {} + && \
		for t in $(TOOLS); do $(COV_BUILD)/vlcnet-$$t --version >/dev/null || exit 1; done
	@st=0; test/units.sh $(UNITS:$(BUILD)/%=$(COV_BUILD)/%) || st=1; \
	jobs=; [ "$(BATS_JOBS)" -le 1 ] || ! command -v parallel >/dev/null || \
		jobs="--jobs $(BATS_JOBS) --no-parallelize-within-files"; \
	VLCNET_BUILD=$(abspath $(COV_BUILD)) bats $$jobs $(COV_BATS) || st=1; \
	$(MAKE) --no-print-directory coverage-report || st=1; exit $$st

# coverage-report: gcovr over what the last run of `make coverage` counted.
coverage-report:
	@gcovr -r . --object-directory $(COV_BUILD) -e 'test/' -e 'bench/' \
		--txt $(COV_BUILD)/coverage.txt --print-summary $(COV_BUILD) | \
		sed -nE 's/^lines: ([0-9.]+)%.*/\1/p; s/^branches: ([0-9.]+)%.*/\1/p' | \
		{ read -r l && read -r b && cat $(COV_BUILD)/coverage.txt && \
		  printf 'coverage: lines %.1f%%, branches %.1f%%\n' "$$l" "$$b"; }

.PHONY: coverage coverage-report
