#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dcvkit/names.hpp"
#include "dcvkit/publish_webroot.hpp"

#include "util/posix.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

using posix::Fd;

constexpr const char* kWellKnown = ".well-known";
constexpr const char* kPkiValidation = "pki-validation";
constexpr const char* kFileAuth = "fileauth.txt";
constexpr const char* kAcmeChallenge = "acme-challenge";
constexpr std::string_view kRelPath = ".well-known/pki-validation/fileauth.txt";
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// The CA reads 5000 characters; a file far beyond that is not ours to rewrite.
constexpr std::size_t kMaxFileBytes = 1u << 20;

Error io_error(std::string code, const std::string& message, int err, std::string hint = {}) {
  return make_error(ErrorKind::Io, std::move(code), message + ": " + std::strerror(err), std::move(hint));
}

Error symlink_error(const std::string& webroot, std::string_view rel) {
  return make_error(ErrorKind::Io, "publish.symlink_escape",
                    "'" + webroot + "/" + std::string(rel) + "' is a symbolic link; refusing to follow it",
                    "replace the link with a real directory or file inside the webroot");
}

bool is_symlink_at(int dir_fd, const char* name) {
  struct stat st {};
  return ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// One step of the walk. O_NOFOLLOW makes the kernel refuse a link at this component, so no path
// string ever decides where we write. An empty Fd means "absent, and not asked to create it".
Result<Fd> open_subdir(int parent, const char* name, bool create, const std::string& webroot, std::string_view rel) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) return Fd(fd);
    int err = errno;
    if (err == ELOOP || ((err == ENOTDIR) && is_symlink_at(parent, name))) return symlink_error(webroot, rel);
    if (err == ENOTDIR)
      return make_error(ErrorKind::Io, "publish.not_a_directory",
                        "'" + webroot + "/" + std::string(rel) + "' exists but is not a directory",
                        "remove or rename it so the directory can be created");
    if (err != ENOENT)
      return io_error("publish.write_failed", "cannot open '" + webroot + "/" + std::string(rel) + "'", err);
    if (!create) return Fd();
    if (::mkdirat(parent, name, 0755) != 0) {
      if (errno == EEXIST) continue;  // another publisher made it first
      return io_error("publish.write_failed", "cannot create '" + webroot + "/" + std::string(rel) + "'", errno,
                      "check that the webroot is writable by this user");
    }
    // The umask must not hide the directory from the web server.
    int made = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (made < 0) continue;
    ::fchmod(made, 0755);
    ::fsync(parent);
    return Fd(made);
  }
  return make_error(ErrorKind::Io, "publish.write_failed",
                    "'" + webroot + "/" + std::string(rel) + "' keeps changing while we open it",
                    "is another program replacing it?");
}

// The file as it is, and who owns it (so a rewrite keeps its owner, group and mode).
struct Existing {
  std::string data;
  std::optional<struct stat> info;  // absent: no file yet
};

Result<Existing> read_existing(int dir_fd, const std::string& webroot) {
  // O_NONBLOCK: a FIFO planted here must not hang us; it is refused below as not a regular file.
  Fd fd(::openat(dir_fd, kFileAuth, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT) return Existing{};
    if (err == ELOOP) return symlink_error(webroot, kRelPath);
    return io_error("publish.read_failed", "cannot open '" + webroot + "/" + std::string(kRelPath) + "'", err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(ErrorKind::Io, "publish.not_a_file",
                      "'" + webroot + "/" + std::string(kRelPath) + "' is not a regular file",
                      "remove it so the token file can be written");
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("publish.read_failed", "cannot read '" + webroot + "/" + std::string(kRelPath) + "'", errno);
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > kMaxFileBytes)
      return make_error(
          ErrorKind::Io, "publish.file_too_large",
          "'" + webroot + "/" + std::string(kRelPath) + "' is larger than " + std::to_string(kMaxFileBytes) + " bytes",
          "the CA reads only the first 5000 characters; remove stale tokens");
    data.append(buf, static_cast<std::size_t>(n));
  }
  return Existing{std::move(data), st};
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Lines keep their own terminators so everything we do not touch is written back byte for byte.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return lines;
}

// Temp file beside the target, fsync, renameat, fsync the directory: a reader (the web server)
// sees the old file or the new one, never a torn one, even across a crash. A file that was there
// keeps its owner, group and mode (a file of the web user at 0640 stays one); a new one is 0644
// so the web server can read it whatever our umask is.
// `file` in `dir_fd`, which is `webroot`/`rel_dir` (fileauth.txt, or an ACME http-01 challenge).
Status replace_file(int dir_fd, std::string_view data, const std::string& webroot, const std::optional<struct stat>& was,
                    const std::string& file = kFileAuth, std::string_view rel_dir = ".well-known/pki-validation") {
  const std::string rel_path = std::string(rel_dir) + "/" + file;
  std::string temp = "." + file + ".tmp-" + posix::random_suffix();
  Fd fd(::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid())
    return io_error("publish.write_failed", "cannot create a file in '" + webroot + "/" + std::string(rel_dir) + "'",
                    errno, "check that the directory is writable by this user");
  bool ok = true;
  int chown_err = 0;
  if (was && (was->st_uid != ::geteuid() || was->st_gid != ::getegid()) && ::fchown(fd.get(), was->st_uid, was->st_gid) != 0) {
    chown_err = errno;  // replacing it would take the file from its owner: refused below
    ok = false;
  }
  ok = ok && ::fchmod(fd.get(), was ? was->st_mode & 07777 : 0644) == 0;
  ok = ok && posix::write_all(fd.get(), data) && ::fsync(fd.get()) == 0;
  int err = errno;
  fd.reset();
  if (ok && ::renameat(dir_fd, temp.c_str(), dir_fd, file.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    if (chown_err != 0)
      return io_error("publish.write_failed",
                      "cannot keep the owner (uid " + std::to_string(was->st_uid) + ", gid " + std::to_string(was->st_gid) +
                          ") of '" + webroot + "/" + rel_path + "'",
                      chown_err, "run as that user (or root), so the web server can still read the file afterwards");
    return io_error("publish.write_failed", "cannot write '" + webroot + "/" + rel_path + "'", err,
                    "check free space and permissions");
  }
  ::fsync(dir_fd);
  return {};
}

// Holds the exclusive lock on the pki-validation directory: every publisher (thread or process)
// takes it around read-modify-write, so no two rewrites interleave and no line is lost.
Status lock_dir(int dir_fd, const std::string& webroot) {
  while (::flock(dir_fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    return io_error("publish.lock_failed", "cannot lock '" + webroot + "/.well-known/pki-validation'", errno);
  }
  return {};
}

class WebrootPublisher final : public Publisher {
 public:
  explicit WebrootPublisher(std::variant<std::string, WebrootMap> where) : where_(std::move(where)) {}

  std::string_view kind() const override { return "webroot"; }
  bool supports(DcvMethod method) const override { return method == DcvMethod::Http; }

  Status publish(const PlanEntry& entry, std::string_view token) override {
    auto done = edit(entry, token, true);
    return done ? Status{} : Status(done.error());
  }
  Status unpublish(const PlanEntry& entry, std::string_view token) override {
    auto done = edit(entry, token, false);
    return done ? Status{} : Status(done.error());
  }
  Result<std::string> change(PublishAction action, const PlanEntry& entry, std::string_view token) override {
    return edit(entry, token, action == PublishAction::Publish);
  }

 private:
  Result<std::string> webroot_for(const PlanEntry& entry) const {
    // The name only ever selects a configured directory; it never becomes part of a path.
    auto name = normalize_dns_name(entry.name, NameRules{.allow_wildcard = false});
    if (!name)
      return make_error(ErrorKind::InvalidInput, "publish.invalid_name", name.error().message,
                        "HTTP validation needs one exact DNS name per file");
    if (const auto* single = std::get_if<std::string>(&where_)) return *single;
    auto dir = std::get<WebrootMap>(where_).dir_for(*name);
    if (!dir)
      return make_error(ErrorKind::InvalidInput, "publish.no_webroot_for_name",
                        "no webroot is mapped for '" + *name + "'",
                        "add a line '" + *name + "<TAB>/path/to/webroot' (or a '*.' pattern) to the webroot map");
    return std::move(*dir);
  }

  // What changed (for unpublish: where the token was cut out), or "".
  Result<std::string> edit(const PlanEntry& entry, std::string_view token, bool add) const {
    if (entry.method != DcvMethod::Http)
      return make_error(ErrorKind::InvalidInput, "publish.method_unsupported",
                        "the webroot publisher serves http-token only, not '" + std::string(method_name(entry)) +
                            "' for '" + entry.name + "'",
                        "publish DNS tokens with the rfc2136 or hook publisher");
    // A well-formed token (or key authorization) cannot carry a newline, a '/' or anything else
    // into the file or its name.
    if (auto valid = check_publish_value(entry, token); !valid) return valid.error();
    auto webroot = webroot_for(entry);
    if (!webroot) return webroot.error();

    Fd root(::open(webroot->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) {
      int err = errno;
      if (err == ENOENT || err == ENOTDIR)
        return make_error(ErrorKind::Io, "publish.webroot_missing",
                          "webroot '" + *webroot + "' for '" + entry.name + "' does not exist or is not a directory",
                          "give the document root the web server serves for this name");
      return io_error("publish.webroot_missing", "cannot open webroot '" + *webroot + "'", err,
                      "check the webroot's permissions");
    }
    auto well_known = open_subdir(root.get(), kWellKnown, add, *webroot, kWellKnown);
    if (!well_known) return well_known.error();
    if (!well_known->valid()) return std::string();  // nothing published here, so nothing to remove
    if (entry.kind == TokenKind::AcmeHttp01) {
      if (auto st = edit_acme_file(well_known->get(), token, add, *webroot); !st) return st.error();
      return std::string();
    }
    auto pki = open_subdir(well_known->get(), kPkiValidation, add, *webroot, ".well-known/pki-validation");
    if (!pki) return pki.error();
    if (!pki->valid()) return std::string();

    if (auto locked = lock_dir(pki->get(), *webroot); !locked) return locked.error();
    auto existing = read_existing(pki->get(), *webroot);
    if (!existing) return existing.error();
    if (add) {
      if (auto st = add_line(pki->get(), *existing, token, *webroot); !st) return st.error();
      return std::string();
    }
    return remove_token(pki->get(), *existing, token, *webroot);
  }

  // http-01: one file per challenge, named by its token, holding the key authorization alone.
  // Removing it removes only that challenge's file; the directory stays for other certificates.
  static Status edit_acme_file(int well_known_fd, std::string_view key_authorization, bool add,
                               const std::string& webroot) {
    auto dir = open_subdir(well_known_fd, kAcmeChallenge, add, webroot, ".well-known/acme-challenge");
    if (!dir) return dir.error();
    if (!dir->valid()) return {};
    const std::string file(key_authorization.substr(0, key_authorization.find('.')));
    if (add) return replace_file(dir->get(), key_authorization, webroot, std::nullopt, file, ".well-known/acme-challenge");
    if (::unlinkat(dir->get(), file.c_str(), 0) != 0 && errno != ENOENT)
      return io_error("publish.write_failed", "cannot remove '" + webroot + "/.well-known/acme-challenge/" + file + "'",
                      errno);
    ::fsync(dir->get());
    return {};
  }

  static Status add_line(int dir_fd, const Existing& existing, std::string_view token, const std::string& webroot) {
    for (auto line : split_lines(existing.data))
      if (trim(line) == token) return {};  // already there: publishing is idempotent
    // The newest token goes first: the CA reads only the first 5,000 characters of the file, so a
    // token appended below ~76 older ones would never be seen.
    std::string updated(token);
    updated += '\n';
    updated += existing.data;
    return replace_file(dir_fd, updated, webroot, existing.info);
  }

  // The CA finds a token anywhere in the body (scan_token_candidates), so it is cut out wherever
  // it stands — alone on a line, next to another token, inside other text, after a byte order
  // mark — with one separating blank, keeping the rest of the line; a line left with nothing
  // but blanks (or a BOM) goes. Success only once the file no longer holds the token.
  static Result<std::string> remove_token(int dir_fd, const Existing& existing, std::string_view token,
                                          const std::string& webroot) {
    const std::string path = webroot + "/" + std::string(kRelPath);
    std::string updated;
    bool has_content = false;
    std::vector<std::string> cut, dropped;
    std::size_t number = 0;
    for (auto line : split_lines(existing.data)) {
      ++number;
      if (line.find(token) == std::string_view::npos) {
        updated += line;
        if (!trim(line).empty()) has_content = true;
        continue;
      }
      std::string rest(line);
      for (auto pos = rest.find(token); pos != std::string::npos; pos = rest.find(token, pos)) {
        std::size_t from = pos, to = pos + token.size();
        auto blank = [](char c) { return c == ' ' || c == '\t'; };
        if (to < rest.size() && blank(rest[to])) ++to;
        else if (from > 0 && blank(rest[from - 1])) --from;
        rest.erase(from, to - from);
        pos = from;
      }
      std::string_view left = trim(rest);
      if (left.starts_with(kBom)) left = trim(left.substr(kBom.size()));
      if (left.empty()) {
        dropped.push_back(std::to_string(number));
        continue;
      }
      cut.push_back(std::to_string(number));
      updated += rest;
      has_content = true;
    }
    if (cut.empty() && dropped.empty()) return std::string();
    if (has_content) {
      if (auto st = replace_file(dir_fd, updated, webroot, existing.info); !st) return st.error();
    } else {
      if (::unlinkat(dir_fd, kFileAuth, 0) != 0 && errno != ENOENT)
        return io_error("publish.write_failed", "cannot remove '" + path + "'", errno);
      ::fsync(dir_fd);
    }
    // Read back: what counts is what the web server will serve.
    auto now = read_existing(dir_fd, webroot);
    if (!now) return now.error();
    if (now->data.find(token) != std::string::npos)
      return make_error(ErrorKind::Io, "publish.token_remains", "the token is still in '" + path + "' after removing it",
                        "is another program writing the file? remove the token by hand");
    std::string note = path + ": ";
    if (!has_content) return note + "removed the file (the token was all it held)";
    if (!dropped.empty()) note += "removed line " + detail::join(dropped, ", ");
    if (!cut.empty())
      note += std::string(dropped.empty() ? "" : "; ") + "cut the token out of line " + detail::join(cut, ", ") + ", kept the rest of it";
    return note;
  }

  const std::variant<std::string, WebrootMap> where_;
};

}  // namespace

std::unique_ptr<Publisher> make_webroot_publisher(std::string webroot) {
  return std::make_unique<WebrootPublisher>(std::move(webroot));
}

std::unique_ptr<Publisher> make_webroot_publisher(WebrootMap map) {
  return std::make_unique<WebrootPublisher>(std::move(map));
}

}  // namespace dcvkit
