/* SPDX-License-Identifier: MIT */
/*
 * The exit codes of DESIGN section 7, in one place: bench/ returns them from its commands,
 * and the fleet library reads them back from the `joulebench run` of each host or task.
 */
#ifndef JB_EXIT_H
#define JB_EXIT_H

enum {
	JB_EXIT_OK = 0,
	JB_EXIT_FAILED = 1,      /* the run could not complete */
	JB_EXIT_USAGE = 2,       /* bad usage or bad input */
	JB_EXIT_UNAVAILABLE = 77 /* the requested meter or driver is not available here */
};

#endif
