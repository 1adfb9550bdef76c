"""The admin-editable system configuration: upstream's defaults, merging, storing and validating overrides."""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from photonest.config.env import Settings

ConfigDict = dict[str, Any]


def default_config(settings: Settings) -> ConfigDict:
    """Upstream v1.134.0's default document (`server/src/config.ts`), with env-driven values from settings."""
    return {
        "backup": {"database": {"enabled": True, "cronExpression": "0 02 * * *", "keepLastAmount": 14}},
        "ffmpeg": {
            "crf": 23,
            "threads": 0,
            "preset": "ultrafast",
            "targetVideoCodec": "h264",
            "acceptedVideoCodecs": ["h264"],
            "targetAudioCodec": "aac",
            "acceptedAudioCodecs": ["aac", "mp3", "libopus", "pcm_s16le"],
            "acceptedContainers": ["mov", "ogg", "webm"],
            "targetResolution": "720",
            "maxBitrate": "0",
            "bframes": -1,
            "refs": 0,
            "gopSize": 0,
            "temporalAQ": False,
            "cqMode": "auto",
            "twoPass": False,
            "preferredHwDevice": "auto",
            "transcode": "required",
            "tonemap": "hable",
            "accel": "disabled",
            "accelDecode": False,
        },
        "job": {
            "backgroundTask": {"concurrency": 5},
            "smartSearch": {"concurrency": 2},
            "metadataExtraction": {"concurrency": 5},
            "faceDetection": {"concurrency": 2},
            "search": {"concurrency": 5},
            "sidecar": {"concurrency": 5},
            "library": {"concurrency": 5},
            "migration": {"concurrency": 5},
            "thumbnailGeneration": {"concurrency": 3},
            "videoConversion": {"concurrency": 1},
            "notifications": {"concurrency": 5},
        },
        "logging": {"enabled": True, "level": "log"},
        "machineLearning": {
            "enabled": settings.machine_learning_enabled,
            "urls": [settings.machine_learning_url],
            "clip": {"enabled": True, "modelName": "ViT-B-32__openai"},
            "duplicateDetection": {"enabled": True, "maxDistance": 0.01},
            "facialRecognition": {
                "enabled": True,
                "modelName": "buffalo_l",
                "minScore": 0.7,
                "maxDistance": 0.5,
                "minFaces": 3,
            },
        },
        "map": {
            "enabled": True,
            "lightStyle": "https://tiles.immich.cloud/v1/style/light.json",
            "darkStyle": "https://tiles.immich.cloud/v1/style/dark.json",
        },
        "reverseGeocoding": {"enabled": True},
        "metadata": {"faces": {"import": False}},
        "oauth": {
            "autoLaunch": False,
            "autoRegister": True,
            "buttonText": "Login with OAuth",
            "clientId": "",
            "clientSecret": "",
            # v1.134.0 still defaults to 0 (the spec types it as a non-nullable number); null came later.
            "defaultStorageQuota": 0,
            "enabled": False,
            "issuerUrl": "",
            "mobileOverrideEnabled": False,
            "mobileRedirectUri": "",
            "scope": "openid email profile",
            "signingAlgorithm": "RS256",
            "profileSigningAlgorithm": "none",
            "storageLabelClaim": "preferred_username",
            "storageQuotaClaim": "immich_quota",
            "tokenEndpointAuthMethod": "client_secret_post",
            "timeout": 30000,
        },
        "passwordLogin": {"enabled": True},
        "storageTemplate": {
            "enabled": False,
            "hashVerificationEnabled": True,
            "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        },
        "image": {
            "thumbnail": {"format": "webp", "size": 250, "quality": 80},
            "preview": {"format": "jpeg", "size": 1440, "quality": 80},
            "colorspace": "p3",
            "extractEmbedded": False,
            "fullsize": {"enabled": False, "format": "jpeg", "quality": 80},
        },
        "newVersionCheck": {"enabled": True},
        "trash": {"enabled": True, "days": 30},
        "theme": {"customCss": ""},
        "library": {"scan": {"enabled": True, "cronExpression": "0 0 * * *"}, "watch": {"enabled": False}},
        "server": {"externalDomain": "", "loginPageMessage": "", "publicUsers": True},
        "notifications": {
            "smtp": {
                "enabled": False,
                "from": "",
                "replyTo": "",
                "transport": {"ignoreCert": False, "host": "", "port": 587, "username": "", "password": ""},
            }
        },
        "templates": {"email": {"welcomeTemplate": "", "albumInviteTemplate": "", "albumUpdateTemplate": ""}},
        "user": {"deleteDelay": 7},
    }


def merge(base: ConfigDict, overrides: ConfigDict) -> ConfigDict:
    """Deep-merge overrides into a copy of base; lists and scalars replace, objects merge."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def diff(base: ConfigDict, config: ConfigDict) -> ConfigDict:
    """The admin's overrides to store: leaves of base whose value in config is set, non-empty and different.

    As upstream's `updateConfig` (`server/src/utils/config.ts`): only keys the defaults know are kept, and
    null or "" means "use the default".
    """
    result: ConfigDict = {}
    for key, default in base.items():
        value = config.get(key)
        if isinstance(default, dict):
            nested = diff(default, value) if isinstance(value, dict) else {}
            if nested:
                result[key] = nested
        elif value is not None and value != "" and not _same(value, default):
            result[key] = copy.deepcopy(value)
    return result


def _same(value: Any, default: Any) -> bool:
    # JavaScript's `===` / `_.isEqual` never equate a boolean with a number; Python's `==` does.
    return isinstance(value, bool) == isinstance(default, bool) and value == default


def build_config(settings: Settings, overrides: ConfigDict | None) -> ConfigDict:
    """The effective config: defaults merged with overrides, then upstream's normalisations (`buildConfig`)."""
    config = merge(default_config(settings), overrides or {})
    server = config.get("server")
    if isinstance(server, dict) and isinstance(server.get("externalDomain"), str) and server["externalDomain"]:
        server["externalDomain"] = url_origin(server["externalDomain"])
    ffmpeg = config.get("ffmpeg")
    if isinstance(ffmpeg, dict):
        for target, accepted in (
            ("targetVideoCodec", "acceptedVideoCodecs"),
            ("targetAudioCodec", "acceptedAudioCodecs"),
        ):
            codecs = ffmpeg.get(accepted)
            if isinstance(codecs, list) and ffmpeg.get(target) not in codecs:
                codecs.append(ffmpeg.get(target))
    return config


def url_origin(url: str) -> str:
    """`new URL(url).origin`: scheme, host and non-default port; the input unchanged when it is not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default_port else "")


# --- Validation: upstream's class-validator rules of `SystemConfigDto` that a JSON schema cannot express ---


def config_errors(config: ConfigDict) -> list[str]:
    """Messages for the conditional, URL, not-empty and cron rules of `system-config.dto.ts`, in its order.

    The messages carry the parent path the way Nest's ValidationPipe prefixes nested errors, so a fixed
    message reads `library.scan.Invalid cron expression`.
    """
    errors: list[str] = []
    backup = config["backup"]["database"]
    if backup["enabled"]:
        errors += _cron_errors("backup.database", backup["cronExpression"])
    ml = config["machineLearning"]
    if ml["enabled"]:
        if len(ml["urls"]) < 1:
            errors.append("machineLearning.urls must contain at least 1 elements")
        if not all(is_url(u, require_tld=False, allow_underscores=True) for u in ml["urls"]):
            errors.append("machineLearning.each value in urls must be a URL address")
    for name in ("lightStyle", "darkStyle"):
        errors += _url_not_empty("map", name, config["map"][name])
    errors += _oauth_errors(config["oauth"])
    errors += _not_empty("storageTemplate.template", config["storageTemplate"]["template"])
    scan = config["library"]["scan"]
    if scan["enabled"]:
        errors += _cron_errors("library.scan", scan["cronExpression"])
    smtp = config["notifications"]["smtp"]
    if smtp["enabled"]:
        errors += _not_empty("notifications.smtp.from", smtp["from"])
        errors += _not_empty("notifications.smtp.transport.host", smtp["transport"]["host"])
    domain = config["server"]["externalDomain"]
    if domain != "" and not is_url(domain, require_tld=False, require_protocol=True, protocols=("http", "https")):
        errors.append("server.externalDomain must be a URL address")
    return errors


def _oauth_errors(oauth: ConfigDict) -> list[str]:
    errors: list[str] = []
    if oauth["enabled"]:
        errors += _not_empty("oauth.clientId", oauth["clientId"])
        errors += _not_empty("oauth.issuerUrl", oauth["issuerUrl"])
    if oauth["mobileOverrideEnabled"] and not is_url(oauth["mobileRedirectUri"]):
        errors.append("oauth.mobileRedirectUri must be a URL address")
    errors += _not_empty("oauth.signingAlgorithm", oauth["signingAlgorithm"])
    errors += _not_empty("oauth.profileSigningAlgorithm", oauth["profileSigningAlgorithm"])
    return errors


def _not_empty(path: str, value: Any) -> list[str]:
    return [f"{path} should not be empty"] if value in ("", None) else []


def _url_not_empty(parent: str, name: str, value: str) -> list[str]:
    # class-validator runs a property's decorators bottom-up: `@IsUrl()` before `@IsNotEmpty()`.
    errors = [] if is_url(value) else [f"{parent}.{name} must be a URL address"]
    return errors + _not_empty(f"{parent}.{name}", value)


def _cron_errors(parent: str, expression: str) -> list[str]:
    errors = [] if is_valid_cron(expression) else [f"{parent}.Invalid cron expression"]
    return errors + _not_empty(f"{parent}.cronExpression", expression)


# Cron expressions as the `cron` package's CronTime parses them (`server/src/validation.ts` IsCronExpression).
_CRON_PRESETS = {
    "@yearly": "0 0 0 1 0 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
    "@minutely": "0 * * * * *",
    "@secondly": "* * * * * *",
    "@weekdays": "0 0 0 * * 1-5",
    "@weekends": "0 0 0 * * 0,6",
}
_CRON_ALIASES = {
    name: str(number)
    for names in (
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
    )
    for number, name in enumerate(names, start=1 if len(names) == 12 else 0)
}
# second, minute, hour, day of month, month, day of week (0 and 7 are Sunday)
_CRON_RANGES = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_ITEM = re.compile(r"^(?:(\*)|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


def is_valid_cron(expression: str) -> bool:
    """Whether the expression is a 5- or 6-field (seconds first) cron expression or one of the @ presets."""
    source = _CRON_PRESETS.get(expression.strip().lower(), expression.strip())
    try:
        source = re.sub(r"[a-z]+", lambda m: _CRON_ALIASES[m.group(0).lower()], source, flags=re.IGNORECASE)
    except KeyError:
        return False
    fields = source.split()
    if len(fields) == 5:
        fields.insert(0, "0")
    if len(fields) != 6:
        return False
    return all(_cron_field_ok(field, low, high) for field, (low, high) in zip(fields, _CRON_RANGES, strict=True))


def _cron_field_ok(field: str, low: int, high: int) -> bool:
    for item in field.split(","):
        match = _CRON_ITEM.match(item)
        if match is None:
            return False
        star, first, last, step = match.groups()
        if step is not None and int(step) == 0:
            return False
        if star:
            continue
        start, end = int(first), int(last) if last is not None else int(first)
        if not low <= start <= end <= high:
            return False
    return True


def is_url(
    value: Any,
    *,
    require_tld: bool = True,
    require_protocol: bool = False,
    protocols: tuple[str, ...] = ("http", "https", "ftp"),
    allow_underscores: bool = False,
) -> bool:
    """validator.js `isURL` with the options upstream passes: scheme, optional credentials, host, port."""
    if not isinstance(value, str) or not value or len(value) > 2083 or re.search(r"\s", value):
        return False
    if value.startswith("mailto:"):
        return False
    rest = value
    if "://" in rest:
        protocol, rest = rest.split("://", 1)
        if protocol.lower() not in protocols:
            return False
    elif require_protocol or rest.startswith("//"):
        return False
    host_port = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in host_port:
        credentials, host_port = host_port.rsplit("@", 1)
        if credentials.count(":") > 1 or not credentials.split(":")[0]:
            return False
    host, port = _split_port(host_port)
    if port is not None and not (port.isdigit() and 0 < int(port) <= 65535):
        return False
    return _is_ip(host) or _is_fqdn(host, require_tld=require_tld, allow_underscores=allow_underscores)


def _split_port(host_port: str) -> tuple[str, str | None]:
    if host_port.startswith("["):
        host, _, rest = host_port[1:].partition("]")
        return f"[{host}]", rest[1:] if rest.startswith(":") else None
    host, sep, port = host_port.partition(":")
    return host, port if sep else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host[1:-1] if host.startswith("[") and host.endswith("]") else host)
    except ValueError:
        return False
    return True


_TLD = re.compile(r"^([a-z\u00a1-\u00a8\u00aa-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]{2,}|xn[a-z0-9-]{2,})$", re.IGNORECASE)
_LABEL = re.compile(r"^[a-z_\u00a1-\uffff0-9-]+$", re.IGNORECASE)


def _is_fqdn(host: str, *, require_tld: bool, allow_underscores: bool) -> bool:
    parts = host.split(".")
    if not host or any(not p for p in parts):
        return False
    if require_tld and (len(parts) < 2 or not _TLD.match(parts[-1])):
        return False
    for part in parts:
        if len(part) > 63 or not _LABEL.match(part) or part.startswith("-") or part.endswith("-"):
            return False
        if "_" in part and not allow_underscores:
            return False
    return True


# --- Storage template (`server/src/services/storage-template.service.ts`) ---

STORAGE_TOKENS: dict[str, list[str]] = {
    "secondOptions": ["s", "ss", "SSS"],
    "minuteOptions": ["m", "mm"],
    "dayOptions": ["d", "dd"],
    "weekOptions": ["W", "WW"],
    "hourOptions": ["h", "hh", "H", "HH"],
    "yearOptions": ["y", "yy"],
    "monthOptions": ["M", "MM", "MMM", "MMMM"],
}

STORAGE_PRESETS: list[str] = [
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}/{{filename}}",
    "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
    "{{y}}/{{MMM}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{filename}}",
    "{{y}}/{{MM}}/{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{filename}}",
    "{{y}}/{{y}}-{{WW}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
    "{{y}}/{{y}}-{{MM}}/{{assetId}}",
    "{{y}}/{{y}}-{{WW}}/{{assetId}}",
    "{{album}}/{{filename}}",
]

# The variables a template may use: the render substitutions plus every date token.
STORAGE_VARIABLES = frozenset(
    ["filename", "ext", "filetype", "filetypefull", "assetId", "assetIdShort", "album"]
    + [token for tokens in STORAGE_TOKENS.values() for token in tokens]
)
_BLOCK_HELPERS = frozenset(["if", "unless", "each", "with"])
_MUSTACHE = re.compile(r"\{\{(\{?)(~?)(.*?)(~?)\}?\}\}", re.DOTALL)


def storage_template_error(template: str) -> str | None:
    """Why Handlebars in strict mode would refuse to render the template, worded as its error; None when fine.

    Upstream compiles with `{strict: true}` and renders a sample asset; a variable that is not a substitution
    throws `"name" not defined in [object Object] - line:column`.
    """
    open_blocks: list[str] = []
    position = 0
    for match in _MUSTACHE.finditer(template):
        if "{{" in template[position : match.start()]:
            return _parse_error(template, position)
        position = match.end()
        body = match.group(3).strip()
        if "{{" in body or not body:
            return _parse_error(template, match.start())
        if body.startswith("!"):
            continue
        offset = match.start() + 2 + len(match.group(1)) + len(match.group(2))
        offset += len(match.group(3)) - len(match.group(3).lstrip())
        problem = _mustache_error(body, offset, template, open_blocks)
        if problem:
            return problem
    if "{{" in template[position:]:
        return _parse_error(template, position)
    if open_blocks:
        return _parse_error(template, len(template))
    return None


def _mustache_error(body: str, offset: int, template: str, open_blocks: list[str]) -> str | None:
    if body.startswith("#"):
        name, *params = body[1:].split()
        if name not in _BLOCK_HELPERS:
            return _lookup_error(name, template, offset + 1)
        if not params:
            return f"Error: #{name} requires exactly one argument"
        open_blocks.append(name)
        return None
    if body.startswith("/"):
        name = body[1:].strip()
        if not open_blocks or open_blocks.pop() != name:
            return _parse_error(template, offset)
        return None
    if body in ("else", "^"):
        return None if open_blocks else _parse_error(template, offset)
    name, *params = body.split()
    if params:
        return f'Error: Missing helper: "{name}"'
    return _lookup_error(name, template, offset)


def _lookup_error(name: str, template: str, offset: int) -> str | None:
    if name in STORAGE_VARIABLES or name in ("this", "."):
        return None
    parts = [p for p in re.split(r"[./]", name) if p]
    missing = parts[1] if len(parts) > 1 and parts[0] in STORAGE_VARIABLES else (parts or [name])[0]
    line, column = _location(template, offset)
    return f'Error: "{missing}" not defined in [object Object] - {line}:{column}'


def _parse_error(template: str, offset: int) -> str:
    line, _ = _location(template, offset)
    return f"Error: Parse error on line {line}"


def _location(template: str, offset: int) -> tuple[int, int]:
    before = template[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1)
