# Run: cd examples/login && PYTHONPATH=../../modules python login.py   (or MICROPYPATH=../../modules:.frozen micropython login.py), then open http://127.0.0.1:5000/
from microdot import Microdot, redirect
from microdot.login import Login
from microdot.session import Session

app = Microdot()
Session(app, secret_key='change-me: a long random secret for your app')
login = Login()


class User:
    def __init__(self, id, username, password):
        self.id = id
        self.username = username
        self.password = password


USERS = {1: User(1, 'susan', 'hello'), 2: User(2, 'david', 'bye')}

PAGE = '''<!doctype html>
<html><head><title>{title}</title></head><body>{body}</body></html>'''
FORM = '''<h1>Login</h1>{error}
<form method="POST">
  <p><input name="username" placeholder="username (susan)"></p>
  <p><input name="password" type="password" placeholder="password (hello)"></p>
  <p><label><input type="checkbox" name="remember" value="yes">
     Remember me</label></p>
  <p><button type="submit">Login</button></p>
</form>'''


def page(title, body):
    return PAGE.format(title=title, body=body), {'Content-Type': 'text/html'}


@login.user_loader
def load_user(user_id):
    return USERS.get(user_id)


@app.get('/')
@login
async def index(request):
    user = request.g.current_user
    return page('Home', '<h1>Hello, {}!</h1><p><a href="/secret">A page '
                'that needs a fresh login</a></p><form method="POST" '
                'action="/logout"><button>Logout</button></form>'.format(
                    user.username))


@app.get('/secret')
@login.fresh
async def secret(request):
    return page('Secret', '<h1>Fresh login confirmed</h1>'
                '<p><a href="/">Home</a></p>')


@app.route('/login', methods=['GET', 'POST'])
async def login_page(request):
    error = ''
    if request.method == 'POST':
        username = request.form.get('username', '')
        password = request.form.get('password', '')
        for user in USERS.values():
            if user.username == username and user.password == password:
                return await login.login_user(
                    request, user,
                    remember=request.form.get('remember') == 'yes')
        error = '<p style="color: red">Invalid username or password</p>'
    return page('Login', FORM.format(error=error))


@app.post('/logout')
async def logout(request):
    await login.logout_user(request)
    return redirect('/')


app.run(host='127.0.0.1', port=5000, debug=True)
