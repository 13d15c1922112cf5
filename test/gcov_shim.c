/* test/gcov_shim.c: linked into `make coverage`'s build only, with
 * -Wl,--wrap=_exit,--wrap=raise. gcov writes its counts from an atexit-like
 * destructor, which a child ending with _exit and a process dying of a
 * re-raised signal never run: each writes them first here, so that what those
 * processes executed is counted. __gcov_dump is libgcov's, hidden in each
 * executable or shared object, hence a link-time wrap and not a preload. */
#include <signal.h>

void __gcov_dump(void);
void __real__exit(int);
int __real_raise(int);

void
__wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}

int
__wrap_raise(int sig)
{
	if (sig != SIGPIPE)
		__gcov_dump();
	return __real_raise(sig);
}
