#include "migrate/rejects_file.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aaiti::migrate {

RejectsFile::RejectsFile(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    out_.open(path_, std::ios::out | std::ios::trunc);
    if (!out_) throw IoError("migrate: cannot create the rejects file \"" + path_ + "\": " + std::strerror(errno));
}

void RejectsFile::write(const std::string& table, const std::string& kind, const std::string& reason,
                        std::optional<std::int64_t> rowid, const std::vector<std::string>& columns,
                        const std::vector<SourceValue>& row) {
    std::string line;
    if (!path_.empty()) {
        nlohmann::ordered_json values = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
            const SourceValue& v = row[i];
            if (v.storage == StorageClass::null) values[columns[i]] = nullptr;
            else if (v.storage == StorageClass::integer) values[columns[i]] = v.integer;
            else values[columns[i]] = describe_value(v);
        }
        const nlohmann::ordered_json doc = {{"table", table},
                                            {"kind", kind},
                                            {"reason", reason},
                                            {"rowid", rowid ? nlohmann::ordered_json(*rowid) : nlohmann::ordered_json(nullptr)},
                                            {"row", values}};
        line = doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
    std::lock_guard lock(mutex_);
    ++records_;
    if (!path_.empty()) out_ << line;
}

std::int64_t RejectsFile::records() const {
    std::lock_guard lock(mutex_);
    return records_;
}

void RejectsFile::close() {
    if (path_.empty()) return;
    out_.flush();
    const bool ok = static_cast<bool>(out_);
    out_.close();
    if (!ok) throw IoError("migrate: writing the rejects file \"" + path_ + "\" failed");
}

}  // namespace aaiti::migrate
