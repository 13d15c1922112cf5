/* cmd/mode.h: what vlcnet-listen and vlcnet-connect were asked to do (one
 * mode value each main switches on) and which options go with which mode: one
 * table for both tools. */
#ifndef VN_MODE_H
#define VN_MODE_H

#include "cli.h"

enum vn_mode {
	VN_MODE_RELAY,    /* stdin/stdout over a stream connection */
	VN_MODE_DGRAM,    /* -u: stdin/stdout in datagrams */
	VN_MODE_SCAN,     /* connect -z */
	VN_MODE_SCRIPT,   /* -s/-e alone: the script gets the socket */
	VN_MODE_FORK,     /* listen --fork: the script per connection */
	VN_MODE_EXEC,     /* --lua-exec, -c, --exec: a program per connection */
	VN_MODE_BROKER    /* listen --broker, --chat: clients to each other */
};

/* Which tool asks. */
enum vn_tool { VN_TOOL_LISTEN = 1, VN_TOOL_CONNECT = 2 };

/* The mode the options given select (an exec option over --fork over
 * --broker/--chat over -z over a script over -u). */
enum vn_mode vn_mode_of(const struct vn_cli *cli);
/* Check the options given against the mode, -u and -U: 0, or -1 with the
 * usage error in *e, the first row of the table that the options break. */
int vn_mode_check(const struct vn_cli *cli, enum vn_tool tool, struct vn_cli_err *e);

#endif
