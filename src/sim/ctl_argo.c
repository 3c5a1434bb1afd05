#include "ctl_util.h"
int ctl_argo_init(struct ctl_ctx *c) { (void)c; return 0; }
void ctl_argo_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj) { (void)c; (void)ch; (void)obj; }
void ctl_argo_tick(struct ctl_ctx *c, uint64_t now_ms) { (void)c; (void)now_ms; }
void ctl_argo_fini(struct ctl_ctx *c) { (void)c; }
