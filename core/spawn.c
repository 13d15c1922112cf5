/* core/spawn.c: fork a per-connection child with the connection as its stdin
 * and stdout, ncat's environment and a clean signal state. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "spawn.h"

/* addr and port of sa (numeric); a Unix address is "localhost" and no port. */
static void
name_of(const struct sockaddr *sa, socklen_t len, char addr[64], char port[8])
{
	addr[0] = port[0] = '\0';
	if (sa->sa_family == AF_UNIX) {
		snprintf(addr, 64, "localhost");
		return;
	}
	if (getnameinfo(sa, len, addr, 64, port, 8, NI_NUMERICHOST | NI_NUMERICSERV))
		addr[0] = port[0] = '\0';
}

void
vn_child_env_of(int fd, struct vn_child_env *env)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	memset(&ss, 0, sizeof ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		ss.ss_family = AF_UNIX;
	name_of((struct sockaddr *)&ss, len, env->remote_addr, env->remote_port);
	len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		ss.ss_family = AF_UNIX;
	name_of((struct sockaddr *)&ss, len, env->local_addr, env->local_port);
	env->proto = ss.ss_family == AF_UNIX ? "UNIX" : "TCP";
}

/* The child's side of vn_spawn. Never returns. */
static void
child(int fd, const struct vn_spawn *sp, const struct vn_child_env *env)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGALRM, SIGCHLD };
	const char *name;
	sigset_t none;
	size_t i;
	int k;

	if (!sp->keep_signals) {
		for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	for (k = 0; k < sp->nclose; k++)
		if (sp->close_fds[k] != fd)
			close(sp->close_fds[k]);
	if (sp->stdio && (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)) {
		dprintf(2, "%s: dup2: %s\n", vn_prog(), strerror(errno));
		_exit(127);
	}
	if (env) {
		setenv("NCAT_REMOTE_ADDR", env->remote_addr, 1);
		setenv("NCAT_REMOTE_PORT", env->remote_port, 1);
		setenv("NCAT_LOCAL_ADDR", env->local_addr, 1);
		setenv("NCAT_LOCAL_PORT", env->local_port, 1);
		setenv("NCAT_PROTO", env->proto, 1);
	}
	if (sp->run)
		sp->run(sp->ctx, fd);   /* does not return */
	if (sp->shell) {
		name = "/bin/sh";
		execl(name, "sh", "-c", sp->shell, (char *)NULL);
	} else {
		name = sp->argv[0];
		execvp(name, sp->argv);
	}
	dprintf(2, "%s: cannot run '%s': %s\n", vn_prog(), name, strerror(errno));
	_exit(127);
}

pid_t
vn_spawn(int fd, const struct vn_spawn *sp, const struct vn_child_env *env)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child(fd, sp, env);
	return pid;
}

char **
vn_split_words(const char *s)
{
	static const char blanks[] = " \t\n";
	size_t len = strlen(s), n = 0, i;
	char **v, *p;
	const char *q;

	for (q = s + strspn(s, blanks); *q; q += strspn(q, blanks)) {
		n++;
		q += strcspn(q, blanks);
	}
	if (n == 0)
		return NULL;
	v = malloc((n + 1) * sizeof *v + len + 1);
	if (!v)
		return NULL;
	p = (char *)(v + n + 1);
	memcpy(p, s, len + 1);
	for (i = 0, p += strspn(p, blanks); *p; p += strspn(p, blanks)) {
		v[i++] = p;
		p += strcspn(p, blanks);
		if (*p)
			*p++ = '\0';
	}
	v[i] = NULL;
	return v;
}

int
vn_child_failed(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus) != 0;
	return !(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGPIPE);
}
