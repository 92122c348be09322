// Page bodies of the simulator: small, but with the markers of the real Moodle 4.5 pages in
// ../shared/moodle/fixtures (body ids, the login form and its logintoken, error boxes,
// "Invalid user", M.cfg sesskey), which is all a load tool may look at.

const SITE = 'loadlab';

function page(title: string, bodyId: string, bodyClass: string, main: string): string {
  return `<!DOCTYPE html>
<html  dir="ltr" lang="en" xml:lang="en">
<head>
    <title>${title}</title>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
</head>
<body  id="${bodyId}" class="${bodyClass}">
<div id="page-wrapper"><div id="page"><div id="region-main">
${main}
</div></div></div>
</body>
</html>
`;
}

export function loginPage(action: string, token: string, error: boolean): string {
  const alert = error
    ? `<a href="#" id="loginerrormessage" class="sr-only">Invalid login, please try again</a>
<div class="alert alert-danger" role="alert">Invalid login, please try again</div>`
    : '';
  return page(`Log in to the site | ${SITE}`, 'page-login-index', 'format-site  path-login dir-ltr lang-en pagelayout-login course-1 context-1 notloggedin', `${alert}
<form class="login-form" action="${action}" method="post" id="login">
    <input id="anchor" type="hidden" name="anchor" value="">
    <input type="hidden" name="logintoken" value="${token}">
    <input type="text" name="username" id="username" class="form-control form-control-lg" value="" placeholder="Username" autocomplete="username">
    <input type="password" name="password" id="password" value="" class="form-control form-control-lg" placeholder="Password" autocomplete="current-password">
    <button class="btn btn-primary btn-lg" type="submit" id="loginbtn">Log in</button>
</form>
<form action="${action}" method="post" id="guestlogin">
    <input type="hidden" name="logintoken" value="${token}">
    <input type="hidden" name="username" value="guest" />
    <input type="hidden" name="password" value="guest" />
    <button class="btn btn-secondary" type="submit">Access as a guest</button>
</form>`);
}

export function redirectPage(url: string): string {
  return `<!DOCTYPE html>
<html  lang="en" xml:lang="en">
    <head>
        <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
                <title>Redirect</title>
    </head>
    <body>
        <div id="page">
            <div id="region-main">
                <h1>Redirect</h1>
                <div style="margin-top: 3em; margin-left:auto; margin-right:auto; text-align:center;">This page should automatically redirect. If nothing is happening please use the continue link below.<br /><a href="${url}">Continue</a></div>                            </div>
        </div>
    </body>
</html>
`;
}

function cfg(sesskey: string): string {
  return `<script>M.cfg = {"wwwroot":"","sesskey":"${sesskey}","sessiontimeout":"28800"};</script>`;
}

export function dashboardPage(fullname: string, sesskey: string): string {
  return page(`Dashboard | ${SITE}`, 'page-my-index', 'limitedwidth format-site  path-my dir-ltr lang-en pagelayout-mydashboard course-1 context-16', `${cfg(sesskey)}
<span class="userinitials" title="${fullname}"></span>
<h1>Dashboard</h1>
<a href="/login/logout.php?sesskey=${sesskey}">Log out</a>`);
}

export function coursePage(id: number, sesskey: string): string {
  return page(`Course: Test course ${id} | ${SITE}`, 'page-course-view-topics', `format-topics limitedwidth path-course path-course-view dir-ltr lang-en pagelayout-course course-${id}`, `${cfg(sesskey)}
<h1>Test course ${id}</h1>
<ul class="topics"><li class="section">General</li><li class="section">Topic 1</li></ul>`);
}

export function forumPage(id: number, sesskey: string): string {
  return page(`Forum ${id} | ${SITE}`, 'page-mod-forum-view', 'format-topics path-mod path-mod-forum dir-ltr lang-en pagelayout-incourse', `${cfg(sesskey)}
<h1>Forum ${id}</h1>
<table class="discussion-list"><tr><td>Discussion</td></tr></table>`);
}

export function profilePage(id: number, sesskey: string): string {
  return page(`User ${id}: Public profile | ${SITE}`, 'page-user-profile', 'format-site  path-user dir-ltr lang-en pagelayout-mypublic', `${cfg(sesskey)}
<h1>User ${id}</h1>
<section class="userprofile"><div class="profile_tree"></div></section>`);
}

/** Moodle answers an unknown user id with status 200 and this page (an error page with 2xx). */
export function invalidUserPage(sesskey: string): string {
  return page('', 'page-user-profile', 'format-site  path-user dir-ltr lang-en pagelayout-base course-1 context-1', `${cfg(sesskey)}
<div class="alert alert-danger alert-block fade in  alert-dismissible" role="alert" data-aria-autofocus="true">
    Invalid user
</div>`);
}

export function enrolPage(id: number): string {
  return page(`Enrolment options | ${SITE}`, 'page-enrol-index', 'format-site path-enrol dir-ltr lang-en pagelayout-incourse', `<h1>Enrolment options</h1>
<div class="box py-3 generalbox info">You cannot enrol yourself in course ${id}.</div>`);
}

export function frontPage(): string {
  return page(`Home | ${SITE}`, 'page-site-index', 'format-site course path-site dir-ltr lang-en pagelayout-frontpage course-1 context-1 notloggedin', '<h1>loadlab</h1>');
}

/** Moodle's fatal error page (404 for missing records). */
export function errorPage(message: string, errorcode: string): string {
  return page(`Error | ${SITE}`, 'page-site-index', 'format-site course path-site dir-ltr lang-en pagelayout-base course-1 context-1', `<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger">
<p class="errormessage">${message}</p><p class="errorcode"><a href="https://docs.moodle.org/405/en/error/moodle/${errorcode}">More information about this error</a></p>
</div>`);
}

/** Moodle's performance footer (MDL_PERF_TEST), with the real markup and its non-breaking spaces. */
export function perfFooter(f: { secs: number; reads: number; writes: number; dbSecs: number; ramPeakMb: number; files: number }): string {
  const nb = '\u00a0';
  return `<div class="performanceinfo siteinfo container-fluid px-md-0 overflow-auto pt-3"><ul class="list-unstyled row mx-md-0"><li class="timeused col-sm-4">${f.secs.toFixed(6)} secs</li> <li class="memoryused col-sm-4">RAM: 7.1${nb}MB</li> <li class="memoryused col-sm-4">RAM peak: ${f.ramPeakMb.toFixed(1)}${nb}MB</li> </ul><ul class="list-unstyled row mx-md-0"><li class="included col-sm-4">Included ${f.files} files</li> <li class="dbqueries col-sm-4">DB reads/writes: ${f.reads}/${f.writes}</li> <li class="dbtime col-sm-4">DB queries time: ${f.dbSecs.toFixed(5)} secs</li> <li class="sessionwait col-sm-4">Session wait: 0.000 secs</li></ul></div>`;
}
