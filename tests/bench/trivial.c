/* trivial.c: the hook of the 100-hooks benchmark: exits 0 and does nothing else, so
 * that what is timed is the runner's cost of finding, spawning and reaping it. */
#if defined(BENCH_NOSTDLIB) && defined(__x86_64__)
void	_start(void);

void
_start(void)
{
	__asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");	/* exit_group(0) */
	for (;;)
		;
}
#elif defined(BENCH_NOSTDLIB) && defined(__aarch64__)
void	_start(void);

void
_start(void)
{
	__asm__ volatile("mov x0, #0\n\tmov x8, #94\n\tsvc #0");		/* exit_group(0) */
	for (;;)
		;
}
#else
int
main(void)
{
	return 0;
}
#endif
