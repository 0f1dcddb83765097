#pragma once

#include <cpd/protocol.hpp>

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
// name is replaced, never followed. A name starting with a dot is refused,
// so that no command writes a shell's start-up file or another hidden
// file. The folder is created if missing and `make_folder` says so; a file
// marked `owner_only` is made readable by the user alone.
void write_user_files(const std::vector<protocol::OutputFile>& files);

} // namespace cpd::cli
