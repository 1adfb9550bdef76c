# Sourced by scripts/_env.sh: tools that do not come from PyPI.
# ExifTool: the same vendored Perl build upstream ships (npm exiftool-vendored.pl), unless one is configured.
if [ -z "${PHOTONEST_EXIFTOOL:-}" ]; then
  if [ ! -x .tools/node_modules/exiftool-vendored.pl/bin/exiftool ]; then
    mkdir -p .tools
    (cd .tools && npm install --silent --no-audit --no-fund exiftool-vendored.pl@13.59.3 >/dev/null)
  fi
fi
