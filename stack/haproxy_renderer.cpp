// haproxy/haproxy.cfg: the load balancer in front of the gateway instances.
#include "stack/renderers.h"
#include "stack/template_engine.h"

namespace aaiti::stack {

GeneratedFile render_haproxy(const Stack& s) {
    const auto& l = s.load_balancer;
    const Service& gateway = s.gateway();
    TemplateData d;
    d.set("stats_port", std::to_string(l.stats_port)).set("health_path", l.health_path).set("sticky", l.sticky_sessions);
    if (!l.certificate.empty()) d.set("tls", TemplateData().set("certificate", l.certificate));
    TemplateData servers = TemplateData::list();
    for (const auto& name : instance_names(gateway))
        servers.push(TemplateData()
                         .set("name", name)
                         .set("port", std::to_string(gateway.port))
                         .set("interval", std::to_string(l.health_interval.count()) + "ms")
                         .set("fall", std::to_string(l.fall))
                         .set("rise", std::to_string(l.rise)));
    d.set("servers", servers);
    return {"haproxy/haproxy.cfg", render_template("haproxy.cfg.mustache", d)};
}

}  // namespace aaiti::stack
