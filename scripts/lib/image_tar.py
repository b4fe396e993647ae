#!/usr/bin/env python3
"""Writes a container image as a docker-archive tar (what `docker save` writes and
`ctr images import` reads), without Docker: each --layer DIR becomes one layer holding
DIR's tree at the image's root, owned by root, with fixed timestamps (the same inputs
give the same bytes).

  image_tar.py --tag NAME:TAG --config CONFIG.json --layer DIR [--layer DIR ...] --out IMAGE.tar

CONFIG.json is the image's run configuration (the "config" object of the OCI image
config: Entrypoint, Cmd, User, WorkingDir, Env, ExposedPorts, Labels). Prints one JSON
line: the image id, the uncompressed size and each layer's size.
"""
import argparse
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

MTIME = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


class HashingWriter(io.RawIOBase):
    """A file object that hashes and counts what is written to it on its way to a real file."""

    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)


def layer_entries(root):
    """Every path under root, parents before children, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            yield rel
        for name in sorted(filenames):
            yield os.path.join(rel, name) if rel != "." else name
        # os.walk does not descend into symlinks to directories: list them as entries.
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                dirnames.remove(name)
                yield os.path.join(rel, name) if rel != "." else name


def write_layer(root, out):
    """Writes root's tree as an uncompressed layer tar into out; returns (diff_id, size)."""
    writer = HashingWriter(out)
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for rel in layer_entries(root):
            path = os.path.join(root, rel)
            info = tar.gettarinfo(path, arcname=rel)
            if info.islnk():          # hard links: stored as separate files, simpler to read back
                info.type = tarfile.REGTYPE
                info.linkname = ""
                info.size = os.path.getsize(path)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = MTIME
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return "sha256:" + writer.sha.hexdigest(), writer.size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--layer", action="append", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.config) as f:
        run_config = json.load(f)

    tmp = args.out + ".partial"
    layers = []
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as image:
        for i, root in enumerate(args.layer):
            if not os.path.isdir(root):
                sys.exit(f"image_tar: layer {root} is not a directory")
            layer_file = f"{tmp}.layer{i}"
            with open(layer_file, "wb") as out:
                diff_id, size = write_layer(root, out)
            name = diff_id.split(":")[1] + "/layer.tar"
            info = image.gettarinfo(layer_file, arcname=name)
            info.uid = info.gid = 0
            info.mtime = MTIME
            with open(layer_file, "rb") as f:
                image.addfile(info, f)
            os.unlink(layer_file)
            layers.append((name, diff_id, size, root))

        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": run_config,
            "rootfs": {"type": "layers", "diff_ids": [l[1] for l in layers]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": f"image_tar.py layer {os.path.basename(l[3])}"}
                        for l in layers],
        }
        config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
        image_id = hashlib.sha256(config_bytes).hexdigest()
        config_name = image_id + ".json"
        manifest = json.dumps([{"Config": config_name, "RepoTags": [args.tag],
                                "Layers": [l[0] for l in layers]}]).encode()
        for name, data in ((config_name, config_bytes), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            image.addfile(info, io.BytesIO(data))
    os.replace(tmp, args.out)
    print(json.dumps({"tag": args.tag, "id": "sha256:" + image_id,
                      "size": sum(l[2] for l in layers),
                      "layers": [{"dir": l[3], "size": l[2]} for l in layers]}))


if __name__ == "__main__":
    main()
