from axes.backends import AxesStandaloneBackend


class AxesBackendAllowingClientLogin(AxesStandaloneBackend):
    """Tests only: django-axes refuses authenticate() calls without a request, and the test
    client's login() makes exactly such a call. Those calls skip throttling here; every login
    through a page (which passes the request, as in production) is throttled as usual."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
