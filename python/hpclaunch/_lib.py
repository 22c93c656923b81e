"""libhpclaunch through ctypes: loading it, the prototypes, the error class.

The library is found, in order, at $HPCLAUNCH_LIBRARY (a path: tests run
the build tree's), at the path written when the package was installed
(_libpath.py, next to this file), then by the dynamic loader's search
(ctypes.util.find_library).  Nothing is compiled: the package is plain
Python on the installed shared library.
"""
import ctypes
import ctypes.util
import os

c_int, c_uint, c_char_p, c_void_p = (ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_char_p, ctypes.c_void_p)

# hpcl_rc (include/hpclaunch/common.h): append only, as there.
RC_NAMES = ("HPCL_OK", "HPCL_E_INVAL", "HPCL_E_NOMEM", "HPCL_E_SYSTEM",
            "HPCL_E_CONFIG", "HPCL_E_SLURM", "HPCL_E_UNREACHABLE",
            "HPCL_E_TIMEOUT", "HPCL_E_NOJOB", "HPCL_E_AMBIGUOUS",
            "HPCL_E_TOPOLOGY", "HPCL_E_NOGPU", "HPCL_E_PLAN", "HPCL_E_REST",
            "HPCL_E_AUTH", "HPCL_E_NOBACKEND", "HPCL_E_UNSUPPORTED")


class Error(Exception):
    """A failed hpclaunch call.

    code is the hpcl_rc value (an int, e.g. hpclaunch.E_PLAN), name its
    name ("HPCL_E_PLAN"), message the library's detail
    (hpcl_ctx_errmsg), function the C function that failed.
    """

    def __init__(self, code, message, function):
        self.code = code
        self.name = (RC_NAMES[code] if 0 <= code < len(RC_NAMES)
                     else "HPCL_E_%d" % code)
        self.message = message
        self.function = function
        text = "%s: %s" % (function, strerror(code))
        if message:
            text += ": " + message
        super().__init__(text)


def _candidates():
    path = os.environ.get("HPCLAUNCH_LIBRARY")
    if path:
        yield path
        return
    try:
        from ._libpath import LIBRARY
        yield LIBRARY
    except ImportError:
        pass
    found = ctypes.util.find_library("hpclaunch")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("hpclaunch: cannot load libhpclaunch: tried %s; "
                      "install hpclaunch or set HPCLAUNCH_LIBRARY to the "
                      "library's path" % ("; ".join(tried) or
                                          "nothing found"))


lib = _load()
libc = ctypes.CDLL(None)
libc.free.argtypes = [c_void_p]
libc.free.restype = None

# name: (restype, argtypes); pointers to handles are c_void_p.
_PROTOTYPES = {
    "hpcl_strerror": (c_char_p, [c_int]),
    "hpcl_version": (c_char_p, []),
    "hpcl_ctx_create": (c_int, [ctypes.POINTER(c_void_p), c_uint]),
    "hpcl_ctx_destroy": (None, [c_void_p]),
    "hpcl_ctx_errmsg": (c_char_p, [c_void_p]),
    "hpcl_ctx_load_sites": (c_int, [c_void_p, c_char_p, c_uint]),
    "hpcl_pin_self": (c_int, [c_void_p, c_uint]),
    "hpcl_local_rank": (c_int, [ctypes.POINTER(c_uint),
                                ctypes.POINTER(c_uint), c_void_p]),
    "hpcl_topo_load": (c_int, [ctypes.POINTER(c_void_p), c_void_p, c_uint]),
    "hpcl_topo_load_xml": (c_int, [ctypes.POINTER(c_void_p), c_void_p,
                                   c_char_p, c_uint]),
    "hpcl_topo_load_synthetic": (c_int, [ctypes.POINTER(c_void_p),
                                         c_void_p, c_char_p, c_uint]),
    "hpcl_topo_destroy": (None, [c_void_p]),
    "hpcl_topo_gpu_pci": (c_char_p, [c_void_p, c_uint]),
    "hpcl_topo_nic_name": (c_char_p, [c_void_p, c_uint]),
    "hpcl_plan_create": (c_int, [ctypes.POINTER(c_void_p), c_void_p]),
    "hpcl_plan_destroy": (None, [c_void_p]),
    "hpcl_plan_set_ntasks": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_set_threads_per_task": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_set_gpus_per_task": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_set_smt": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_set_distribution": (c_int, [c_void_p, c_int]),
    "hpcl_plan_set_oversubscribe": (c_int, [c_void_p, c_int]),
    "hpcl_plan_set_from_env": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_compute": (c_int, [c_void_p]),
    "hpcl_plan_ntasks": (c_uint, [c_void_p]),
    "hpcl_plan_task_cpuset": (c_char_p, [c_void_p, c_uint]),
    "hpcl_plan_task_numa": (c_char_p, [c_void_p, c_uint]),
    "hpcl_plan_task_pus": (ctypes.POINTER(c_uint),
                           [c_void_p, c_uint, ctypes.POINTER(c_uint)]),
    "hpcl_plan_task_gpus": (ctypes.POINTER(c_uint),
                            [c_void_p, c_uint, ctypes.POINTER(c_uint)]),
    "hpcl_plan_task_nic": (c_int, [c_void_p, c_uint]),
    "hpcl_plan_task_env": (ctypes.POINTER(c_char_p), [c_void_p, c_uint]),
    "hpcl_plan_notes": (ctypes.POINTER(c_char_p), [c_void_p]),
    "hpcl_plan_to_json": (c_int, [ctypes.POINTER(c_void_p), c_void_p,
                                  c_uint]),
    "hpcl_plan_to_table": (c_int, [ctypes.POINTER(c_void_p), c_void_p,
                                   c_uint]),
    "hpcl_job_create": (c_int, [ctypes.POINTER(c_void_p), c_void_p]),
    "hpcl_job_destroy": (None, [c_void_p]),
    "hpcl_job_set_command": (c_int, [c_void_p, c_int,
                                     ctypes.POINTER(c_char_p)]),
    "hpcl_job_set_ntasks": (c_int, [c_void_p, c_uint]),
    "hpcl_job_set_nodes": (c_int, [c_void_p, c_uint, c_uint]),
    "hpcl_job_set_cpus_per_task": (c_int, [c_void_p, c_uint]),
    "hpcl_job_set_gpus_per_task": (c_int, [c_void_p, c_uint]),
    "hpcl_job_set_ntasks_per_node": (c_int, [c_void_p, c_uint]),
    "hpcl_job_set_time_limit": (c_int, [c_void_p, c_uint]),
    "hpcl_job_set_hold": (c_int, [c_void_p, c_int]),
    "hpcl_job_set_launcher": (c_int, [c_void_p, c_int]),
    "hpcl_job_setenv": (c_int, [c_void_p, c_char_p, c_char_p]),
    "hpcl_job_set_site": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_partition": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_account": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_name": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_workdir": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_output": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_error": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_set_mpi": (c_int, [c_void_p, c_char_p]),
    "hpcl_job_script": (c_int, [ctypes.POINTER(c_void_p), c_void_p]),
    "hpcl_job_submit": (c_int, [c_void_p, c_uint]),
    "hpcl_job_ref": (c_char_p, [c_void_p]),
    "hpcl_job_attach": (c_int, [ctypes.POINTER(c_void_p), c_void_p,
                                c_char_p]),
    "hpcl_job_refresh": (c_int, [c_void_p]),
    "hpcl_job_state": (c_int, [c_void_p]),
    "hpcl_job_reason": (c_char_p, [c_void_p]),
    "hpcl_job_nodelist": (c_char_p, [c_void_p]),
    "hpcl_job_exit_code": (c_int, [c_void_p]),
    "hpcl_job_signal": (c_int, [c_void_p]),
    "hpcl_job_wait": (c_int, [c_void_p, ctypes.c_double]),
    "hpcl_job_cancel": (c_int, [c_void_p]),
    "hpcl_job_set_input": (c_int, [c_void_p, ctypes.c_size_t,
                                   ctypes.POINTER(c_char_p)]),
    "hpcl_job_set_output_back": (c_int, [c_void_p, ctypes.c_size_t,
                                         ctypes.POINTER(c_char_p)]),
    "hpcl_job_set_deadline": (c_int, [c_void_p, ctypes.c_longlong]),
    "hpcl_job_set_budget": (c_int, [c_void_p, ctypes.c_double]),
    "hpcl_job_set_prefer": (c_int, [c_void_p, c_int]),
    "hpcl_job_fetch": (c_int, [c_void_p, c_uint]),
    "hpcl_state_name": (c_char_p, [c_int]),
}
for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def text(raw):
    """bytes from a const char * getter as str ("" for NULL)."""
    return raw.decode("utf-8", "replace") if raw else ""


def arg(s):
    """A str argument as bytes (None stays NULL)."""
    return None if s is None else os.fsencode(s)


def strerror(code):
    return text(lib.hpcl_strerror(code))


def take_string(ptr):
    """A malloc'd char * the caller must free, as str; freed here."""
    if not ptr.value:
        return ""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "replace")
    finally:
        libc.free(ptr.value)


class Context:
    """An hpcl_ctx, destroyed with the object; check() turns a return code
    into an Error carrying the context's message."""

    def __init__(self):
        self.ptr = c_void_p()
        rc = lib.hpcl_ctx_create(ctypes.byref(self.ptr), 0)
        if rc != 0:
            raise Error(rc, "", "hpcl_ctx_create")

    def check(self, rc, function):
        if rc != 0:
            raise Error(rc, text(lib.hpcl_ctx_errmsg(self.ptr)), function)

    def close(self):
        if self.ptr:
            lib.hpcl_ctx_destroy(self.ptr)
            self.ptr = c_void_p()

    def __del__(self):
        self.close()
