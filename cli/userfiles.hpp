#pragma once

#include <cpd/util/protocol.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// The user's side of a command: the files the user names, read and written
// by the user's own cpd process with the user's own rights, never by the
// database's owner.
namespace cpd::cli {

// The bytes of a file the user named as input: a regular file (not a FIFO
// or a device, which could block or never end), at most the protocol's
// request size. Refuses with ErrorKind::no_input.
std::string read_user_file(const std::string& path);

// Writes the files a command gives the user, each whole or not at all: to a
// temporary file beside it, flushed, then given its name. Without
// `overwrite` an existing name is refused, even a dangling symbolic link,
// and then none of the files is written; with it, a symbolic link at the
// name is replaced, never followed. Each folder is opened through a handle
// that follows no symbolic link in any component of its path (openat2
// RESOLVE_NO_SYMLINKS, else one component at a time): a path through one
// is refused and nothing is written. A name starting with a dot is refused,
// so that no command writes a shell's start-up file or another hidden
// file. The folder is created if missing and `make_folder` says so; a file
// marked `owner_only` is made readable by the user alone. Bytes that come
// as an extent of a passed file are copied from it a piece at a time.
void write_user_files(const std::vector<protocol::OutputFile>& files);

// Copies an extent of a passed file to standard output, after what was
// written to it so far.
void write_stdout_extent(const protocol::Extent& extent);

// Makes `path` readable by the user alone, as write_user_files() does, with
// `fill` writing the bytes into a new empty file at the path it is given
// (beside `path`), e.g. SQLite's VACUUM INTO. Returns the file's size.
std::int64_t make_user_file(const std::string& path,
                            bool overwrite,
                            const std::function<void(const std::string&)>& fill);

} // namespace cpd::cli
