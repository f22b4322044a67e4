// The few system calls Node does not offer, for hardening the service process (docs/security.md).
// Built from source by scripts/build-native.cjs with node-gyp and the headers of the installed Node.
#include <node_api.h>
#include <sys/prctl.h>
#include <errno.h>
#include <string.h>

// prctl(PR_SET_DUMPABLE, 0): /proc/<pid>/environ, mem, maps ... become root's, and ptrace by a
// same-uid process is refused. Inherited by threads, reset for children at execve.
static napi_value SetNonDumpable(napi_env env, napi_callback_info info) {
  napi_value result;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_get_boolean(env, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, &result);
  return result;
}

static napi_value IsDumpable(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_get_boolean(env, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "setNonDumpable", NAPI_AUTO_LENGTH, SetNonDumpable, NULL, &fn);
  napi_set_named_property(env, exports, "setNonDumpable", fn);
  napi_create_function(env, "isDumpable", NAPI_AUTO_LENGTH, IsDumpable, NULL, &fn);
  napi_set_named_property(env, exports, "isDumpable", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
