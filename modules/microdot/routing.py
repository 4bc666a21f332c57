# URL patterns: '/users/<int:id>' style routes compiled once to a regex.
import re

_REGEX_SPECIALS = '.^$*+?{}[]\\|()'


def _escape(text):
    return ''.join('\\' + c if c in _REGEX_SPECIALS else c for c in text)


class URLPattern:
    # type name -> (regex, parser or None)
    types = {
        'string': ('[^/]+', None),
        'int': ('-?[0-9]+', int),
        'path': ('.+', None),
    }

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        self.regex = None  # None: a static pattern, compared as a string
        self.args = []  # (name, parser) of each regex group, in order
        if '<' not in url_pattern and '>' not in url_pattern:
            return
        parts = []
        for segment in url_pattern.split('/'):
            if segment.startswith('<') and segment.endswith('>'):
                parts.append('(' + self._argument(segment[1:-1]) + ')')
            elif '<' in segment or '>' in segment:
                raise ValueError('invalid URL pattern: ' + url_pattern)
            else:
                parts.append(_escape(segment))
        self.regex = re.compile('^' + '/'.join(parts) + '$')

    # Records one '<type:name>' argument and returns its regex.
    def _argument(self, spec):
        if spec.startswith('re:'):
            i = spec.rfind(':')
            if i <= 2:
                raise ValueError('invalid URL pattern: ' + self.url_pattern)
            pattern, parser, name = spec[3:i], None, spec[i + 1:]
        else:
            i = spec.find(':')
            type_name, name = (spec[:i], spec[i + 1:]) if i >= 0 \
                else ('string', spec)
            if type_name not in self.types:
                raise ValueError('unknown URL type: ' + type_name)
            pattern, parser = self.types[type_name]
        if not name:
            raise ValueError('invalid URL pattern: ' + self.url_pattern)
        self.args.append((name, parser))
        return pattern

    @classmethod
    def register_type(cls, type_name, pattern='[^/]+', parser=None):
        cls.types = dict(cls.types)
        cls.types[type_name] = (pattern, parser)

    # The URL arguments as a dict when path matches, else None.
    def match(self, path):
        if self.regex is None:
            return {} if path == self.url_pattern else None
        g = self.regex.match(path)
        if g is None:
            return None
        args = {}
        i = 1
        for name, parser in self.args:
            value = g.group(i)
            i += 1
            if parser is not None:
                try:
                    value = parser(value)
                except ValueError:
                    return None
                if value is None:
                    return None
            args[name] = value
        return args

    def __repr__(self):
        return 'URLPattern(%r)' % self.url_pattern
