/* The restart tests' stand-in service manager (manager.c): systemd's notify socket and fd
 * store as the daemon sees them, the daemon started, killed and stopped as a unit, and the
 * shared state of the restart suite. */
#ifndef VP_TESTS_MANAGER_H
#define VP_TESTS_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define NREADERS 4
#define FDNAME_FUSE "vprocfs-fuse"
#define FDNAME_INIT "vprocfs-init"
#define FUSE_OPCODE_INIT 26

/* The service manager: its notify socket and its file descriptor store, modelled on systemd
 * (252 and later; src/core/service.c):
 * - service_notify_message(): a message with FDSTOREREMOVE=1 removes every entry named by
 *   its FDNAME= (service_remove_fd_store()) and stores nothing, even with FDSTORE=1 in the
 *   same message (the two are an if / else if); FDSTORE=1 stores the message's fds under its
 *   FDNAME= ("stored" without one).
 * - service_add_fd_store(): refuses an fd once the store holds FileDescriptorStoreMax
 *   entries ("Cannot store more fds than FileDescriptorStoreMax=, closing remaining"),
 *   drops an fd that is the same open file as a stored one (same_fd(): kcmp(KCMP_FILE), or
 *   without kcmp an fstat() comparison that calls no two device fds the same), and
 *   otherwise prepends it: names are not unique, one name stored twice is two entries.
 * - service_collect_fds(): every entry goes to the next start, in list order (newest first),
 *   as LISTEN_FDS/LISTEN_FDNAMES.
 * - An entry stored without FDPOLL=0 is watched and dropped on EPOLLHUP/EPOLLERR
 *   (on_fd_store_io()); done here just before each start.
 * FileDescriptorStoreMax is read from systemd/vprocfs.service.in, so the two cannot drift. */
struct entry {
	int fd;
	bool poll;
	char name[256];
};

struct manager {
	char dir[40], sock[100];
	int fd;
	struct entry *store; /* store[0] is the newest */
	size_t n, cap;
	unsigned max;     /* FileDescriptorStoreMax */
	unsigned refused; /* fds refused because the store was full */
	bool no_kcmp;     /* same_fd() without kcmp(): device fds never compare equal */
	bool ready;
};

extern struct manager m;
extern bool removed_fuse, removed_init;
extern pid_t daemon_pid;
extern char mnt[80], logpath[128], stopfile[128];
extern char unit_cgroup[256];
extern char sc_opt[200];
extern char first_init[4096];
extern ssize_t first_init_len;
extern int shim_w;
unsigned unit_fd_store_max(void);
void manager_open(void);
bool same_fd(int a, int b);
int store_add(const char *name, int fd, bool do_poll);
void store_unlink(size_t i);
void store_remove(const char *name);
void store_drop(void);
void store_sweep(void);
size_t store_count(const char *name);
const char *store_list(void);
bool has_line(const char *msg, const char *line);
bool line_value(const char *msg, const char *key, char *out, size_t outsz);
int ms_since(const struct timespec *t0);
bool manager_poll(int ms);
void dump_log(void);
void start(const char *bin);
bool fuse_alive(int fd);
bool daemon_has_file(int fd);
void assert_store_exact(const char *when, size_t others);
int wait_exit(int ms);
void kill_9(void);
void term(void);
void restart_setup(void);
extern pid_t bus_pid, fake_pid;
void stop_child(pid_t *pid);
void restart_teardown(void);

#endif
