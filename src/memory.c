/* memory.c: gives back the memory that loading and the hooks touched, so that a waiting hookrun stays small. */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "memory.h"
#include "output.h"
#include "spawn.h"

void
memory_trim(void)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	uintptr_t top = (here - 4096) & ~(uintptr_t)4095;
	size_t len = 64 * 1024;

	output_trim();
	spawn_trim();
	malloc_trim(0);
	if (top > len)
		madvise((void *)(top - len), len, MADV_DONTNEED);
}
