#include "util/sqlite_db.hpp"

namespace dcvkit::sqlite {

std::string Row::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, int flags, Naming naming) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Db> db(new Db(path, raw, std::move(naming)));  // owns raw even when opening failed
  if (rc != SQLITE_OK) return db->failure("opening", rc);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Error Db::failure(std::string_view doing, int rc) const {
  std::string detail = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    return make_error(ErrorKind::InvalidInput, naming_.code_prefix + ".corrupt",
                      path_ + " is not a usable " + naming_.description + " (" + detail + ")", naming_.hint_corrupt);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return make_error(ErrorKind::Io, naming_.code_prefix + ".busy", path_ + " is in use (" + detail + ")",
                      naming_.hint_busy);
  return make_error(ErrorKind::Io, naming_.code_prefix + ".io", std::string(doing) + " " + path_ + " failed: " + detail,
                    "check the file's directory is writable and the disk is not full");
}

Status Db::exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still has it
  if (rc != SQLITE_OK) return failure("writing", rc);
  return {};
}

Result<Db::Stmt> Db::prepare(std::string_view sql, const std::vector<Value>& params) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return failure("reading", rc);
  int index = 1;
  for (const auto& v : params) {
    const int bound = v.is_integer ? sqlite3_bind_int64(raw, index, v.integer)
                                   : sqlite3_bind_text64(raw, index, v.text.data(), v.text.size(), SQLITE_TRANSIENT,
                                                         SQLITE_UTF8);
    if (bound != SQLITE_OK) return failure("preparing", bound);
    ++index;
  }
  return stmt;
}

Status Db::run(std::string_view sql, const std::vector<Value>& params) {
  return query(sql, params, [](const Row&) {});
}

}  // namespace dcvkit::sqlite
