/* fake-systemd-bus JOBTYPE: for the restart tests, the part of systemd's D-Bus API that the
 * daemon asks at SIGTERM. Connects to the bus at DBUS_SYSTEM_BUS_ADDRESS, takes the name
 * org.freedesktop.systemd1 and answers:
 *   Manager.GetUnit(name)  -> /org/freedesktop/systemd1/unit/test
 *   Unit.Job               -> (1, /org/freedesktop/systemd1/job/1)
 *   Job.JobType            -> JOBTYPE ("stop", "restart", ...)
 * Prints "ready" once it owns the name; runs until killed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

static const char *job_type;

static int get_unit(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	const char *name;

	(void)userdata;
	(void)err;
	if (sd_bus_message_read(m, "s", &name) < 0)
		return -EINVAL;
	return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1/unit/test");
}

static int prop_job(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)userdata, (void)err;
	return sd_bus_message_append(reply, "(uo)", 1, "/org/freedesktop/systemd1/job/1");
}

static int prop_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)userdata, (void)err;
	return sd_bus_message_append(reply, "s", job_type);
}

static const sd_bus_vtable manager[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("GetUnit", "s", "o", get_unit, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable unit[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Job", "(uo)", prop_job, 0, 0),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable job[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("JobType", "s", prop_type, 0, 0),
	SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;

	if (argc != 2)
		return 2;
	job_type = argv[1];
	if (sd_bus_open_system(&bus) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
				     "org.freedesktop.systemd1.Manager", manager, NULL) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1/unit/test",
				     "org.freedesktop.systemd1.Unit", unit, NULL) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1/job/1",
				     "org.freedesktop.systemd1.Job", job, NULL) < 0 ||
	    sd_bus_request_name(bus, "org.freedesktop.systemd1", 0) < 0) {
		fprintf(stderr, "fake-systemd-bus: cannot set up\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			return 1;
		if (r == 0 && sd_bus_wait(bus, (uint64_t)-1) < 0)
			return 1;
	}
}
