/* global document, location */
// Issue 19 (LM-10): the legacy conversion pages — upload, column mapping, preview, start and the live progress —
// over the JSON API with the session cookie (same origin).
(function () {
  'use strict';
  var STATUS = {
    uploaded: '待对应列',
    checked: '已校验，待转换',
    running: '转换中',
    completed: '已完成',
    failed: '失败',
  };

  function errorText(body, status) {
    if (body && body.error) {
      var details = Array.isArray(body.error.details) ? body.error.details : [];
      return details.length
        ? details
            .map(function (d) {
              return d.field + '：' + d.message;
            })
            .join('；')
        : body.error.message;
    }
    return '请求失败（' + status + '）';
  }

  function call(method, url, body) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    return fetch(url, init).then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (json) {
          if (!res.ok) throw new Error(errorText(json, res.status));
          return json;
        });
    });
  }

  function showError(el, message) {
    el.textContent = message;
    el.hidden = !message;
  }

  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  // The list page: upload, then go to the job.
  var upload = document.getElementById('conversion-upload');
  if (upload) {
    upload.addEventListener('submit', function (e) {
      e.preventDefault();
      var error = document.getElementById('upload-error');
      showError(error, '');
      call('POST', '/api/conversions', new FormData(upload))
        .then(function (job) {
          location.href = '/conversions/' + job.id;
        })
        .catch(function (err) {
          showError(error, err.message);
        });
    });
  }
  document.querySelectorAll('[data-status]').forEach(function (el) {
    el.textContent = STATUS[el.getAttribute('data-status')] || el.textContent;
  });

  var root = document.getElementById('conversion');
  if (!root) return;
  var jobId = root.getAttribute('data-job-id');
  var errorBox = document.getElementById('conversion-error');
  var polling = null;

  function renderMapping(job) {
    var body = document.getElementById('mapping-rows');
    body.textContent = '';
    job.targets.forEach(function (t) {
      var tr = document.createElement('tr');
      cell(tr, t.label + (t.required ? ' *' : ''));
      var td = document.createElement('td');
      var select = document.createElement('select');
      select.name = t.target;
      select.setAttribute('data-target', t.target);
      select.setAttribute('aria-label', t.label);
      var none = document.createElement('option');
      none.value = '';
      none.textContent = '（不对应）';
      select.appendChild(none);
      job.columns.forEach(function (c) {
        var o = document.createElement('option');
        o.value = c;
        o.textContent = c;
        if (job.mapping[t.target] === c) o.selected = true;
        select.appendChild(o);
      });
      td.appendChild(select);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    var editable = job.status === 'uploaded' || job.status === 'checked';
    document.querySelectorAll('#mapping-form select, #mapping-form button').forEach(function (el) {
      el.disabled = !editable;
    });
  }

  function renderPreview(job) {
    var card = document.getElementById('preview-card');
    if (job.status === 'uploaded') {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    var good = job.totalRows - (job.invalidRows || 0);
    document.getElementById('preview-summary').textContent =
      '共 ' +
      job.totalRows +
      ' 行：' +
      good +
      ' 行通过校验，' +
      (job.invalidRows || 0) +
      ' 行未通过（下列为前 ' +
      job.preview.length +
      ' 行）。';
    var table = document.getElementById('preview-table');
    var head = table.tHead;
    head.textContent = '';
    var hr = document.createElement('tr');
    ['行号'].concat(job.columns, ['校验']).forEach(function (c) {
      var th = document.createElement('th');
      th.textContent = c;
      hr.appendChild(th);
    });
    head.appendChild(hr);
    var tbody = table.tBodies[0];
    tbody.textContent = '';
    job.preview.forEach(function (r) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-row', r.rowNumber);
      if (r.problems.length) tr.className = 'invalid';
      cell(tr, String(r.rowNumber));
      job.columns.forEach(function (c) {
        cell(tr, r.cells[c] || '');
      });
      cell(
        tr,
        r.problems.length
          ? r.problems
              .map(function (p) {
                return p.message;
              })
              .join('；')
          : '通过',
      );
      tbody.appendChild(tr);
    });
    var pbody = document.getElementById('problems-table').tBodies[0];
    pbody.textContent = '';
    job.rejectedRows.forEach(function (p) {
      var tr = document.createElement('tr');
      cell(tr, String(p.rowNumber));
      cell(tr, p.field);
      cell(tr, p.rule);
      cell(tr, p.message);
      pbody.appendChild(tr);
    });
    document.getElementById('start-conversion').hidden = job.status !== 'checked';
  }

  function renderProgress(job) {
    var card = document.getElementById('progress-card');
    if (job.status !== 'running' && job.status !== 'completed' && job.status !== 'failed') {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    var p = job.progress;
    var bar = document.getElementById('conversion-progress');
    bar.value = p.percent;
    var text = '已处理 ' + p.doneRows + ' / ' + p.totalRows + ' 行（' + p.percent + '%）';
    if (p.ratePerSecond !== null) text += '，速度 ' + p.ratePerSecond + ' 行/秒';
    if (job.status === 'running' && p.secondsLeft !== null) text += '，预计还需 ' + p.secondsLeft + ' 秒';
    if (job.status === 'failed') text += '。转换中止：' + (job.failureReason || '');
    document.getElementById('progress-text').textContent = text;
    var done = job.status === 'completed' || job.status === 'failed';
    document.getElementById('report').hidden = !done;
    if (done) {
      document.getElementById('report-converted').textContent = p.converted + ' 份';
      document.getElementById('report-already').textContent = p.alreadyConverted + ' 份';
      document.getElementById('report-rejected').textContent = p.rejected + ' 行';
      document.getElementById('report-duration').textContent = (p.durationSeconds || 0) + ' 秒';
    }
  }

  function render(job) {
    document.getElementById('job-status').textContent = STATUS[job.status] || job.status;
    root.setAttribute('data-status', job.status);
    renderMapping(job);
    renderPreview(job);
    renderProgress(job);
    if (job.status === 'running' && !polling) polling = setInterval(refresh, 1000);
    if (job.status !== 'running' && polling) {
      clearInterval(polling);
      polling = null;
    }
  }

  function refresh() {
    return call('GET', '/api/conversions/' + jobId)
      .then(render)
      .catch(function (err) {
        showError(errorBox, err.message);
      });
  }

  document.getElementById('mapping-form').addEventListener('submit', function (e) {
    e.preventDefault();
    showError(errorBox, '');
    var mapping = {};
    document.querySelectorAll('#mapping-form select').forEach(function (s) {
      if (s.value) mapping[s.getAttribute('data-target')] = s.value;
    });
    call('PUT', '/api/conversions/' + jobId + '/mapping', { mapping: mapping })
      .then(render)
      .catch(function (err) {
        showError(errorBox, err.message);
      });
  });

  document.getElementById('start-conversion').addEventListener('click', function () {
    showError(errorBox, '');
    call('POST', '/api/conversions/' + jobId + '/start', {})
      .then(render)
      .catch(function (err) {
        showError(errorBox, err.message);
      });
  });

  refresh();
})();
