# vlcnet: netcat-like tools driven by Lua 5.1. `make` builds everything under build/.
PREFIX   ?= /usr/local
DESTDIR  ?=
LUA      ?= lua5.1
CC       ?= cc
CFLAGS   ?= -O2 -g
SANITIZE ?=

BUILD    = build
PKG_CFLAGS := $(shell pkg-config --cflags $(LUA) libidn2)
PKG_LIBS   := $(shell pkg-config --libs $(LUA) libidn2)
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

$(BUILD)/vlcnet-%: $(BUILD)/cmd/%.o $(BUILD)/cmd/cli.o $(LUAOBJ) $(CORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/vlcnet.so: $(BUILD)/lua/module.o $(BUILD)/lua/net.o $(BUILD)/lua/fdtab.o $(CORE)
	$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ $(shell pkg-config --libs libidn2) -lm

$(BUILD)/test/%_test: test/unit/%_test.c $(CORE) $(BUILD)/.config
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS) -lm

check: all $(UNITS)
	@for t in $(UNITS); do $$t || exit 1; done
	VLCNET_BUILD=$(abspath $(BUILD)) bats test

clean:
	rm -rf $(BUILD)

FORCE:
.PHONY: all check clean FORCE
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
