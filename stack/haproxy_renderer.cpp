// haproxy/haproxy.cfg: the load balancer in front of the gateway instances.
#include "stack/renderers.h"
#include "stack/template_engine.h"

namespace aaiti::stack {

GeneratedFile render_haproxy(const Stack& s, Network network) {
    const auto& l = s.load_balancer;
    const Service& gateway = s.gateway();
    const bool loopback = network == Network::loopback;
    // In a container HAProxy binds every interface on its container ports (compose publishes them); natively
    // it must bind the host ports, and only on 127.0.0.1, like every process the supervisor runs.
    const auto bind = [&](int container_port, int host_port) {
        return loopback ? "127.0.0.1:" + std::to_string(host_port) : ":" + std::to_string(container_port);
    };
    TemplateData d;
    d.set("loopback", loopback).set("stats_port", std::to_string(l.stats_port));
    d.set("health_path", l.health_path).set("sticky", l.sticky_sessions);
    d.set("http_bind", bind(80, l.http_port)).set("stats_bind", bind(l.stats_port, l.stats_port));
    if (!l.certificate.empty()) d.set("tls", TemplateData().set("certificate", l.certificate)).set("https_bind", bind(443, l.https_port));
    TemplateData servers = TemplateData::list();
    const auto names = instance_names(gateway);
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string address = loopback ? "127.0.0.1:" + std::to_string(instance_host_port(gateway, static_cast<int>(i)))
                                             : names[i] + ":" + std::to_string(gateway.port);
        servers.push(TemplateData()
                         .set("name", names[i])
                         .set("address", address)
                         .set("interval", std::to_string(l.health_interval.count()) + "ms")
                         .set("fall", std::to_string(l.fall))
                         .set("rise", std::to_string(l.rise)));
    }
    d.set("servers", servers);
    return {"haproxy/haproxy.cfg", render_template("haproxy.cfg.mustache", d)};
}

}  // namespace aaiti::stack
