/*
 * A GNU make plugin (loaded by the Makefile with -load) that lets `make check`
 * exit with corsgate's own status: 0 all expectations met, 1 an expectation
 * failed, 3 a configuration or environment problem. Without it GNU make
 * exits 2 whenever a recipe fails, whatever the recipe's status
 * (https://www.gnu.org/software/make/manual/html_node/Running.html).
 * $(exit-status N) ends make with status N
 * (https://www.gnu.org/software/make/manual/html_node/Loaded-Object-API.html).
 */
#include <stdlib.h>
#include <gnumake.h>

int plugin_is_GPL_compatible;

static char *exit_status(const char *name, unsigned int argc, char **argv) {
	(void)name;
	(void)argc;
	exit(atoi(argv[0]));
}

int make_exit_status_gmk_setup(void) {
	gmk_add_function("exit-status", exit_status, 1, 1, 0);
	return 1;
}
