/* memory.h: giving back the memory that loading and the hooks touched, while nothing runs. */
#ifndef HOOKRUN_MEMORY_H
#define HOOKRUN_MEMORY_H

/*
 * Gives back the hook output buffers, the children's stack, the free heap,
 * and the stack below the caller's frame (nothing lives there; the kernel
 * gives zeroed pages if it is needed again): a supervising hookrun stays
 * small. Call from a shallow frame, when nothing is due for a while.
 */
void	 memory_trim(void);

#endif
