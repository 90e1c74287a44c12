/*
 * _stopflag.c - the Python module stopflag: libstopflag's flag as a
 * cross-process Event that can be set from a signal handler.
 *
 * Written against the stable ABI (Py_LIMITED_API 3.8), so one build serves
 * every later CPython 3.  The library is linked in whole (libsfcore), which
 * lets wait() use the library's internal sf__flag_wait_intr(): the one
 * wait that reports a signal instead of absorbing it, so that Python's
 * handlers run while a wait() sleeps (PEP 475).  Only PyInit__stopflag
 * leaves the shared object.
 */
#define Py_LIMITED_API 0x03080000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

typedef struct {
	PyObject_HEAD
	sf_flag *flag;
} FlagObject;

static PyObject *flag_type;

/* The Flag each signal's catch_signal() handler sets, kept alive here for
 * as long as that handler may set it. */
static PyObject *caught[NSIG];

/* A negative errno of the library as an exception: EINVAL as ValueError
 * naming what was refused, anything else as OSError with that errno. */
static PyObject *raise_sf(int err, const char *what)
{
	if (err == -EINVAL)
		return PyErr_Format(PyExc_ValueError, "%s: invalid argument",
				    what);
	errno = -err;
	return PyErr_SetFromErrno(PyExc_OSError);
}

/* A C int from a Python int: TypeError for another type, ValueError
 * outside the range of a C int. */
static int int_arg(PyObject *obj, const char *what, int *out)
{
	long v;
	int overflow;

	if (!PyLong_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "%s must be an int, not %R",
			     what, (PyObject *)Py_TYPE(obj));
		return -1;
	}
	v = PyLong_AsLongAndOverflow(obj, &overflow);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (overflow || v < INT_MIN || v > INT_MAX) {
		PyErr_Format(PyExc_ValueError, "%s must be between %d and %d",
			     what, INT_MIN, INT_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* The absolute CLOCK_MONOTONIC deadline `timeout` seconds from now into
 * *ts.  Returns 1 with a deadline, 0 for "forever" (None or infinity),
 * -1 with an exception set (TypeError, ValueError for NaN or < 0). */
static int deadline_arg(PyObject *timeout, struct timespec *ts)
{
	double secs, whole;

	if (timeout == NULL || timeout == Py_None)
		return 0;
	if (!PyFloat_Check(timeout) && !PyLong_Check(timeout)) {
		PyErr_Format(PyExc_TypeError,
			     "timeout must be None, an int or a float, not %R",
			     (PyObject *)Py_TYPE(timeout));
		return -1;
	}
	secs = PyFloat_AsDouble(timeout);
	if (secs == -1.0 && PyErr_Occurred()) {
		if (!PyErr_ExceptionMatches(PyExc_OverflowError))
			return -1;
		PyErr_Clear(); /* an int too large for a double: forever */
		secs = HUGE_VAL;
	}
	if (isnan(secs)) {
		PyErr_SetString(PyExc_ValueError, "timeout must not be NaN");
		return -1;
	}
	if (secs < 0) {
		PyErr_SetString(PyExc_ValueError, "timeout must not be negative");
		return -1;
	}
	if (secs >= (double)INT_MAX) /* 68 years: as good as forever */
		return 0;
	clock_gettime(CLOCK_MONOTONIC, ts);
	whole = floor(secs);
	ts->tv_sec += (time_t)whole;
	ts->tv_nsec += (long)((secs - whole) * 1e9);
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
	return 1;
}

static PyObject *flag_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { NULL };
	FlagObject *self;
	int err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, ":Flag", kwlist))
		return NULL;
	self = PyObject_New(FlagObject, type);
	if (!self)
		return NULL;
	self->flag = NULL;
	err = sf_flag_create(&self->flag);
	if (err < 0) {
		Py_DECREF(self);
		return raise_sf(err, "Flag()");
	}
	return (PyObject *)self;
}

/* OSError(errno, message) for what STOPFLAG_FD holds. */
static PyObject *raise_env(int err)
{
	const char *env = getenv(SF_FLAG_ENV);
	PyObject *exc;
	char msg[256];

	if (err == -ENOENT)
		snprintf(msg, sizeof(msg), "Flag.from_env(): not in a stopflag "
			 "group: %s is not set (only a task stopflagd or "
			 "sf_group_run() exec'd has it)", SF_FLAG_ENV);
	else if (err == -EBADF)
		snprintf(msg, sizeof(msg), "Flag.from_env(): %s=%.32s names no "
			 "open file descriptor", SF_FLAG_ENV, env ? env : "");
	else if (err == -EINVAL)
		snprintf(msg, sizeof(msg), "Flag.from_env(): %s=%.32s is not "
			 "a stopflag page", SF_FLAG_ENV, env ? env : "");
	else
		snprintf(msg, sizeof(msg), "Flag.from_env(): %s",
			 sf_strerror(err));
	exc = Py_BuildValue("(is)", -err, msg);
	if (exc) {
		PyErr_SetObject(PyExc_OSError, exc);
		Py_DECREF(exc);
	}
	return NULL;
}

PyDoc_STRVAR(from_env_doc,
"Flag.from_env() -> Flag\n\n"
"The group's flag, in a program that stopflagd (or sf_group_run()) runs\n"
"as an exec task: the sealed page the fd in STOPFLAG_FD names, shared\n"
"with the master and every other task.  Raises OSError: ENOENT outside a\n"
"group (no STOPFLAG_FD), EBADF if the fd is not open, EINVAL if it is not\n"
"a stopflag page.  The fd stays open, so processes this one starts can\n"
"join too.");

static PyObject *flag_from_env(PyObject *type, PyObject *unused)
{
	FlagObject *self;
	sf_flag *flag;
	int err = sf_flag_from_env(&flag);

	if (err < 0)
		return raise_env(err);
	self = PyObject_New(FlagObject, (PyTypeObject *)type);
	if (!self) {
		sf_flag_destroy(flag);
		return NULL;
	}
	self->flag = flag;
	return (PyObject *)self;
}

static void flag_dealloc(PyObject *obj)
{
	PyTypeObject *type = Py_TYPE(obj);
	freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);

	/* Disarms any catch_signal() handler of this flag (none while a
	 * handler holds it: caught[] keeps its Flag alive). */
	sf_flag_destroy(((FlagObject *)obj)->flag);
	tp_free(obj);
	Py_DECREF(type);
}

PyDoc_STRVAR(set_doc,
"set(code=0) -> bool\n\n"
"Set the flag and wake every waiter in every process that shares it.\n"
"The first set records the cause ('request', code, this pid); later sets\n"
"keep it.  Returns True if this call set the flag, False if it was set\n"
"already.  Lock-free and allocation-free: safe inside a signal handler,\n"
"also while the same thread is in wait().");

static PyObject *flag_set(PyObject *obj, PyObject *args, PyObject *kw)
{
	static char kw_code[] = "code", *kwlist[] = { kw_code, NULL };
	PyObject *code_obj = NULL;
	int code = 0, ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:set", kwlist, &code_obj))
		return NULL;
	if (code_obj && int_arg(code_obj, "code", &code) < 0)
		return NULL;
	ret = sf_flag_set(((FlagObject *)obj)->flag, SF_REASON_REQUEST, code);
	if (ret < 0)
		return raise_sf(ret, "set()");
	return PyBool_FromLong(ret);
}

PyDoc_STRVAR(stop_all_doc,
"stop_all(code=0) -> bool\n\n"
"From a task: ask the whole group to stop, cause ('request', code, the\n"
"task's process group), which stopflagd then exits with (modulo 256),\n"
"under every strategy.  Besides setting the flag it rings the master's\n"
"doorbell.  Returns True if this call set the flag, False if it was set\n"
"already.  Safe inside a signal handler.");

static PyObject *flag_stop_all(PyObject *obj, PyObject *args, PyObject *kw)
{
	static char kw_code[] = "code", *kwlist[] = { kw_code, NULL };
	PyObject *code_obj = NULL;
	int code = 0, ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:stop_all", kwlist,
					 &code_obj))
		return NULL;
	if (code_obj && int_arg(code_obj, "code", &code) < 0)
		return NULL;
	ret = sf_flag_stop_all(((FlagObject *)obj)->flag, code);
	if (ret < 0)
		return raise_sf(ret, "stop_all()");
	return PyBool_FromLong(ret);
}

PyDoc_STRVAR(is_set_doc,
"is_set() -> bool\n\n"
"Whether the flag is set: one atomic load, no system call.");

static PyObject *flag_is_set(PyObject *obj, PyObject *unused)
{
	return PyBool_FromLong(sf_flag_is_set(((FlagObject *)obj)->flag));
}

PyDoc_STRVAR(wait_doc,
"wait(timeout=None) -> bool\n\n"
"Sleep until the flag is set (True) or timeout seconds pass (False), as\n"
"multiprocessing.Event.wait().  timeout is None (forever), or an int or\n"
"float >= 0.  The GIL is released while it sleeps.  A signal wakes it to\n"
"run Python's signal handlers: if one raises (KeyboardInterrupt on\n"
"Ctrl-C), wait() raises that; otherwise it sleeps on toward the same\n"
"absolute deadline, so signals never stretch a timeout.");

static PyObject *flag_wait(PyObject *obj, PyObject *args, PyObject *kw)
{
	static char kw_timeout[] = "timeout", *kwlist[] = { kw_timeout, NULL };
	sf_flag *flag = ((FlagObject *)obj)->flag;
	PyObject *timeout = NULL;
	struct timespec ts;
	int timed, ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:wait", kwlist, &timeout))
		return NULL;
	timed = deadline_arg(timeout, &ts);
	if (timed < 0)
		return NULL;
	for (;;) {
		PyThreadState *save;

		if (sf_flag_is_set(flag))
			Py_RETURN_TRUE;
		save = PyEval_SaveThread(); /* the GIL, released */
		ret = sf__flag_wait_intr(flag, timed ? &ts : NULL);
		PyEval_RestoreThread(save);
		if (ret != -EINTR)
			break;
		/* PEP 475: run the handlers; one that raised ends the wait,
		 * else sleep on toward the same deadline. */
		if (PyErr_CheckSignals() < 0)
			return NULL;
	}
	if (ret == 0)
		Py_RETURN_TRUE;
	if (ret == -ETIMEDOUT)
		Py_RETURN_FALSE;
	return raise_sf(ret, "wait()");
}

PyDoc_STRVAR(cause_doc,
"None while the flag is not set; then the first cause, a tuple\n"
"(reason, code, pid): reason is 'signal', 'request', 'exited', 'killed',\n"
"'parent-died', 'start-failed' (or 'unknown' on a page a faulty process\n"
"scribbled over), code its number (the signal, the requested code, the\n"
"exit status...) and pid the process that set it.");

static PyObject *flag_cause(PyObject *obj, void *closure)
{
	struct sf_cause cause;

	if (sf_flag_cause(((FlagObject *)obj)->flag, &cause) < 0)
		Py_RETURN_NONE;
	return Py_BuildValue("(sii)", sf_reason_name(cause.reason), cause.code,
			     (int)cause.pid);
}

static PyObject *flag_reduce(PyObject *obj, PyObject *unused)
{
	PyErr_SetString(PyExc_TypeError,
			"a stopflag.Flag cannot be pickled: it is shared by "
			"fork() alone (use multiprocessing's 'fork' context), "
			"or by Flag.from_env() in a stopflagd task");
	return NULL;
}

static PyMethodDef flag_methods[] = {
	{ "set", (PyCFunction)(void (*)(void))flag_set,
	  METH_VARARGS | METH_KEYWORDS, set_doc },
	{ "is_set", flag_is_set, METH_NOARGS, is_set_doc },
	{ "wait", (PyCFunction)(void (*)(void))flag_wait,
	  METH_VARARGS | METH_KEYWORDS, wait_doc },
	{ "stop_all", (PyCFunction)(void (*)(void))flag_stop_all,
	  METH_VARARGS | METH_KEYWORDS, stop_all_doc },
	{ "from_env", flag_from_env, METH_CLASS | METH_NOARGS, from_env_doc },
	{ "__reduce__", flag_reduce, METH_NOARGS, NULL },
	{ NULL, NULL, 0, NULL }
};

static PyGetSetDef flag_getset[] = {
	{ "cause", flag_cause, NULL, cause_doc, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

PyDoc_STRVAR(flag_doc,
"Flag()\n\n"
"A new, unset stop flag on an anonymous shared page.  Create it before\n"
"os.fork() (or a multiprocessing 'fork' context): every process forked\n"
"afterwards shares it.  Any of them, a signal handler included, can set\n"
"it, and one set wakes every waiter in every process.  Raises OSError if\n"
"the page cannot be mapped.");

static PyType_Slot flag_slots[] = {
	{ Py_tp_doc, (void *)flag_doc },
	{ Py_tp_new, (void *)flag_new },
	{ Py_tp_dealloc, (void *)flag_dealloc },
	{ Py_tp_methods, flag_methods },
	{ Py_tp_getset, flag_getset },
	{ 0, NULL }
};

static PyType_Spec flag_spec = {
	.name = "stopflag.Flag",
	.basicsize = sizeof(FlagObject),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = flag_slots,
};

PyDoc_STRVAR(catch_signal_doc,
"catch_signal(flag, signum) -> None\n\n"
"Install a C signal handler for signum that sets flag (cause ('signal',\n"
"signum, pid)) the moment the signal arrives, even while this process\n"
"sleeps in wait() or in a long C call.  It replaces any handler, Python's\n"
"included (signal.getsignal() does not know).  The module keeps flag\n"
"alive while the handler may set it.  Forked children inherit the\n"
"handler; exec() resets it.  Raises ValueError for SIGKILL, SIGSTOP or a\n"
"number that is not a signal, TypeError for arguments of the wrong type.");

static PyObject *catch_signal(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char kw_flag[] = "flag", kw_signum[] = "signum";
	static char *kwlist[] = { kw_flag, kw_signum, NULL };
	PyObject *flag, *signum_obj;
	int signum, ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:catch_signal", kwlist,
					 &flag, &signum_obj))
		return NULL;
	if (!PyObject_TypeCheck(flag, (PyTypeObject *)flag_type)) {
		PyErr_Format(PyExc_TypeError,
			     "catch_signal: flag must be a stopflag.Flag, not %R",
			     (PyObject *)Py_TYPE(flag));
		return NULL;
	}
	if (int_arg(signum_obj, "signum", &signum) < 0)
		return NULL;
	if (!sf__catchable_signal(signum))
		return PyErr_Format(PyExc_ValueError,
				    "catch_signal: signal %d cannot be caught",
				    signum);
	/* Kept alive before the handler can see it; the one it replaces
	 * (if any) is let go after. */
	Py_INCREF(flag);
	ret = sf_flag_catch_signal(((FlagObject *)flag)->flag, signum);
	if (ret < 0) {
		Py_DECREF(flag);
		return raise_sf(ret, "catch_signal()");
	}
	Py_XDECREF(caught[signum]);
	caught[signum] = flag;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(notify_doc,
"notify(state) -> bool\n\n"
"Send state, lines of systemd's notify protocol joined by newlines\n"
"('READY=1', 'STATUS=loading 3/7', 'READY=1\\nSTATUS=serving'), to the\n"
"socket NOTIFY_SOCKET names: to the master of a stopflag group running\n"
"this program as a task with ready = notify, or to systemd itself.\n"
"One datagram, from a socket made for it.  Returns False when\n"
"NOTIFY_SOCKET is not set (nobody waits to hear), True once sent.\n"
"Raises TypeError for a state that is not a str, ValueError for an\n"
"empty one, one holding a NUL, or a\n"
"NOTIFY_SOCKET that names no unix socket; OSError for a failed send\n"
"(ECONNREFUSED: nobody listens any more, e.g. the group stopped).");

static PyObject *notify(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char kw_state[] = "state";
	static char *kwlist[] = { kw_state, NULL };
	PyObject *obj, *utf8;
	char *state;
	Py_ssize_t len;
	int ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O:notify", kwlist, &obj))
		return NULL;
	if (!PyUnicode_Check(obj))
		return PyErr_Format(PyExc_TypeError, "notify: state must be a "
				    "str, not %R", (PyObject *)Py_TYPE(obj));
	/* the stable ABI of 3.8 has no PyUnicode_AsUTF8AndSize() */
	utf8 = PyUnicode_AsUTF8String(obj);
	if (!utf8)
		return NULL;
	if (PyBytes_AsStringAndSize(utf8, &state, &len) < 0) {
		Py_DECREF(utf8);
		return NULL;
	}
	if (len == 0 || strlen(state) != (size_t)len) {
		Py_DECREF(utf8);
		return PyErr_Format(PyExc_ValueError, "notify: state must be "
				    "a non-empty str without NUL");
	}
	ret = sf_notify(state); /* with the GIL: it reads the environment */
	Py_DECREF(utf8);
	if (ret == -EINVAL)
		return PyErr_Format(PyExc_ValueError, "notify: %s names no "
				    "unix socket", SF_NOTIFY_ENV);
	if (ret < 0 && ret != -ENOENT)
		return raise_sf(ret, "notify()");
	return PyBool_FromLong(ret == 0); /* -ENOENT: nobody to tell */
}

static PyMethodDef module_methods[] = {
	{ "catch_signal", (PyCFunction)(void (*)(void))catch_signal,
	  METH_VARARGS | METH_KEYWORDS, catch_signal_doc },
	{ "notify", (PyCFunction)(void (*)(void))notify,
	  METH_VARARGS | METH_KEYWORDS, notify_doc },
	{ NULL, NULL, 0, NULL }
};

PyDoc_STRVAR(module_doc,
"A cross-process Event that can be set from a signal handler.\n\n"
"stopflag.Flag is libstopflag's stop flag: an atomic flag and a futex on\n"
"one anonymous shared page.  Unlike multiprocessing.Event, set() takes no\n"
"lock, so a signal handler may call it while the same thread is in\n"
"wait() (CPython issue #126434).");

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "stopflag._stopflag",
	.m_doc = module_doc,
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__stopflag(void);
PyMODINIT_FUNC PyInit__stopflag(void)
{
	PyObject *mod = PyModule_Create(&module_def);

	if (!mod)
		return NULL;
	flag_type = PyType_FromSpec(&flag_spec);
	if (!flag_type || PyModule_AddObject(mod, "Flag", flag_type) < 0) {
		Py_XDECREF(flag_type);
		Py_DECREF(mod);
		return NULL;
	}
	Py_INCREF(flag_type); /* the module's reference was stolen */
	return mod;
}
