// alertmanager/alertmanager.yml: one receiver with Slack, Discord and e-mail, each only when configured.
#include "stack/renderers.h"
#include "stack/stack_writer.h"
#include "stack/template_engine.h"

namespace aaiti::stack {

GeneratedFile render_alertmanager(const Stack& s) {
    const auto& a = s.alerts;
    TemplateData d;
    if (!a.slack_webhook.empty()) {
        TemplateData slack;
        slack.set("webhook", yaml_quote(a.slack_webhook));
        if (!a.slack_channel.empty()) slack.set("channel", yaml_quote(a.slack_channel));
        d.set("slack", slack);
    }
    if (!a.discord_webhook.empty()) d.set("discord", TemplateData().set("webhook", yaml_quote(a.discord_webhook)));
    if (a.email()) {
        TemplateData email;
        email.set("smarthost", yaml_quote(a.smtp_host + ":" + std::to_string(a.smtp_port))).set("from", yaml_quote(a.smtp_from));
        if (!a.smtp_user.empty()) email.set("user", yaml_quote(a.smtp_user)).set("password", yaml_quote(a.smtp_password));
        TemplateData to = TemplateData::list();
        for (const auto& address : a.smtp_to) to.push(TemplateData().set("address", yaml_quote(address)));
        email.set("to", to);
        d.set("email", email);
    }
    return {"alertmanager/alertmanager.yml", render_template("alertmanager.yml.mustache", d), true};
}

}  // namespace aaiti::stack
