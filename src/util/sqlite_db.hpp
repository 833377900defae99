// A thin RAII layer over the SQLite C API: one connection, prepared statements bound by position,
// errors as dcvkit Errors that name the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"
#include "util/c_ptr.hpp"

namespace dcvkit::sqlite {

// A bound parameter: an integer or a text (the ledger stores nothing else).
struct Value {
  Value(std::int64_t v) : is_integer(true), integer(v) {}    // NOLINT(google-explicit-constructor)
  Value(std::string v) : text(std::move(v)) {}               // NOLINT(google-explicit-constructor)
  bool is_integer = false;
  std::int64_t integer = 0;
  std::string text;
};

// How a database file is named in errors: {"ledger", "dcvkit ledger"} gives "ledger.corrupt", ...
struct Naming {
  std::string code_prefix = "ledger";
  std::string description = "dcvkit ledger";
  std::string hint_corrupt = "restore it from a backup or give a new --state file; dcvkit never resets a ledger itself";
  std::string hint_busy = "another dcvkit run is using it: wait for it to finish";
};

class Db;

// One row of a result: columns by index.
class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // flags: SQLITE_OPEN_READWRITE [| SQLITE_OPEN_CREATE] or SQLITE_OPEN_READONLY.
  static Result<std::unique_ptr<Db>> open(const std::string& path, int flags, Naming naming = {});

  Status exec(std::string_view sql);
  // Runs one statement with positional parameters; calls on_row for each result row.
  template <class F>
  Status query(std::string_view sql, const std::vector<Value>& params, F&& on_row) {
    auto stmt = prepare(sql, params);
    if (!stmt) return stmt.error();
    for (;;) {
      const int rc = sqlite3_step(stmt->get());
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return failure("reading", rc);
      on_row(Row(stmt->get()));
    }
  }
  Status run(std::string_view sql, const std::vector<Value>& params = {});
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }
  const std::string& path() const { return path_; }
  // An Error for a failed SQLite call, naming the file and what was being done.
  Error failure(std::string_view doing, int rc) const;

 private:
  using Stmt = std::unique_ptr<sqlite3_stmt, FreeWith<sqlite3_finalize>>;
  Db(std::string path, sqlite3* db, Naming naming) : path_(std::move(path)), naming_(std::move(naming)), db_(db) {}
  Result<Stmt> prepare(std::string_view sql, const std::vector<Value>& params);

  std::string path_;
  Naming naming_;
  std::unique_ptr<sqlite3, FreeWith<sqlite3_close_v2>> db_;
};

}  // namespace dcvkit::sqlite
