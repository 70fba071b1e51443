/* cgroup.h: each hook in a control group of its own, where hookrun's cgroup v2 is delegated to it. */
#ifndef HOOKRUN_CGROUP_H
#define HOOKRUN_CGROUP_H

/* One hook attempt's control group; a zeroed one is none. */
struct cgroup_hook {
	int	 open;
	int	 procs;		/* its cgroup.procs, for the child to join */
	int	 events;	/* its cgroup.events: "populated 0" when empty */
	char	 name[48];	/* in hookrun's own cgroup */
};

/*
 * Makes a control group for one hook attempt below hookrun's own, when that
 * one is delegated to hookrun (systemd's Delegate=yes marks it with the
 * trusted.delegate or user.delegate attribute) and the kernel has
 * cgroup.kill (5.14): 0, or -1 when hookrun uses process groups only
 * (nothing then changes).
 */
int	 cgroup_open(struct cgroup_hook *g);
/* 1 when no process is left in it. */
int	 cgroup_empty(struct cgroup_hook *g);
/* sig to every process in it: KILL through cgroup.kill, others (with CONT) one by one. */
void	 cgroup_signal(struct cgroup_hook *g, int sig);
/* Closes it, and removes it when empty. */
void	 cgroup_close(struct cgroup_hook *g);

#endif
