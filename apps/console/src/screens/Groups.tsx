import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Drawer, Form, Input, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components, type Page } from '../api/client.js';
import { formatDate } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { applyFieldErrors, ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { PageTitle, StatusTag } from './common.js';

type Group = components['schemas']['LiabilityGroupResponse'];
type GroupDetail = components['schemas']['LiabilityGroupDetailResponse'];
interface Village {
  id: string;
  name: string;
  code: string;
}
interface Household {
  id: string;
  headName: string;
  idNumber: string;
  villageId: string;
  status: string;
  groupId: string | null;
}

function useVillages() {
  return useQuery({
    queryKey: ['villages'],
    queryFn: () =>
      unwrap<Page<Village>>(api.GET('/api/v1/villages', { params: { query: { pageSize: 200 as never } } })),
    staleTime: 300_000,
  });
}

/** The households of a village that are in no group yet (the ones a group may take). */
function useFreeHouseholds(villageId: string | undefined) {
  return useQuery({
    queryKey: ['households', 'village', villageId],
    enabled: !!villageId,
    queryFn: () =>
      unwrap<Page<Household>>(
        api.GET('/api/v1/households', { params: { query: { villageId, pageSize: 500 as never } } }),
      ),
    select: (p) => p.items.filter((h) => !h.groupId),
  });
}

/** Joint-liability groups (联保小组): the list, forming a group from a village's households, members in and out. */
export default function Groups() {
  const { t } = useI18n();
  const { me } = useSession();
  const villages = useVillages();
  const [filter, setFilter] = useState<{
    villageId?: string;
    status?: 'ACTIVE' | 'DISSOLVED';
    name?: string;
  }>({ status: 'ACTIVE' });
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['groups', filter, page],
    queryFn: () =>
      unwrap<Page<Group>>(
        api.GET('/api/v1/groups', {
          params: { query: { ...filter, page: page as never, pageSize: 20 as never } },
        }),
      ),
  });
  const villageName = (id: string) => villages.data?.items.find((v) => v.id === id)?.name ?? id;
  return (
    <div>
      <PageTitle
        extra={
          can(me, 'manageGroups') ? (
            <Button type="primary" onClick={() => setCreating(true)}>
              {t('grp_new')}
            </Button>
          ) : null
        }
      >
        {t('nav_groups')}
      </PageTitle>
      <Form
        name="groups1"
        layout="inline"
        style={{ marginBottom: 12 }}
        initialValues={filter}
        onFinish={(v: typeof filter) => {
          setPage(1);
          setFilter(Object.fromEntries(Object.entries(v).filter(([, x]) => x)) as typeof filter);
        }}
      >
        <Form.Item label={t('grp_name')} name="name">
          <Input allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label={t('village')} name="villageId">
          <Select
            allowClear
            style={{ width: 160 }}
            options={(villages.data?.items ?? []).map((v) => ({ value: v.id, label: v.name }))}
          />
        </Form.Item>
        <Form.Item label={t('status')} name="status">
          <Select
            allowClear
            style={{ width: 120 }}
            options={['ACTIVE', 'DISSOLVED'].map((s) => ({ value: s, label: t(`st_${s}`) }))}
          />
        </Form.Item>
        <Button htmlType="submit">{t('search')}</Button>
      </Form>
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total ?? 0,
          onChange: setPage,
          showSizeChanger: false,
        }}
        columns={[
          { title: 'ID', dataIndex: 'id', width: 60 },
          {
            title: t('grp_name'),
            dataIndex: 'name',
            render: (v: string, r: Group) => (
              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setOpen(r.id)}>
                {v}
              </Button>
            ),
          },
          { title: t('village'), dataIndex: 'villageId', render: villageName },
          { title: t('grp_size'), dataIndex: 'size', align: 'right' },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (v: string) => <StatusTag value={v} prefix="st_" />,
          },
          { title: t('time'), dataIndex: 'createdAt', render: formatDate },
        ]}
      />
      {creating ? (
        <CreateGroup
          villages={villages.data?.items ?? []}
          onClose={() => setCreating(false)}
          onCreated={(g) => {
            setCreating(false);
            setOpen(g.id);
          }}
        />
      ) : null}
      {open ? <GroupDrawer id={open} villageName={villageName} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

function CreateGroup({
  villages,
  onClose,
  onCreated,
}: {
  villages: Village[];
  onClose(): void;
  onCreated(g: GroupDetail): void;
}) {
  const { t, fieldErrorText } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const villageId = Form.useWatch('villageId', form) as string | undefined;
  const free = useFreeHouseholds(villageId);
  const create = useMutation({
    mutationFn: (v: { villageId: string; name: string; householdIds: string[] }) =>
      unwrap<GroupDetail>(api.POST('/api/v1/groups', { body: v })),
    onSuccess: (g) => {
      void message.success(`${t('grp_created')}: ${g.name}`);
      void qc.invalidateQueries({ queryKey: ['groups'] });
      void qc.invalidateQueries({ queryKey: ['households'] });
      onCreated(g);
    },
    onError: (e) => applyFieldErrors(form, e, fieldErrorText),
  });
  return (
    <Drawer open onClose={onClose} title={t('grp_new')}>
      <Form name="groups2" form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
        <Form.Item label={t('village')} name="villageId" rules={[{ required: true, message: t('required') }]}>
          <Select
            options={villages.map((v) => ({ value: v.id, label: `${v.name} (${v.code})` }))}
            onChange={() => form.setFieldValue('householdIds', [])}
          />
        </Form.Item>
        <Form.Item
          label={t('grp_name')}
          name="name"
          rules={[{ required: true, whitespace: true, message: t('required') }, { max: 100 }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          label={t('grp_pick')}
          name="householdIds"
          rules={[{ required: true, message: t('required') }]}
        >
          <Select
            mode="multiple"
            disabled={!villageId}
            loading={free.isLoading}
            optionFilterProp="label"
            options={(free.data ?? []).map((h) => ({
              value: h.id,
              label: `${h.headName} · ${h.idNumber} · #${h.id}`,
            }))}
          />
        </Form.Item>
        {create.error ? <ProblemAlert error={create.error} /> : null}
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('save')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Drawer>
  );
}

/** A group with its members; the officer adds a free household of the village, removes one, or dissolves the group. */
function GroupDrawer({
  id,
  villageName,
  onClose,
}: {
  id: string;
  villageName(id: string): string;
  onClose(): void;
}) {
  const { t } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [adding, setAdding] = useState<string | undefined>();
  const [dissolving, setDissolving] = useState(false);
  // one outcome at a time: the refusal shown is the last action's
  const [last, setLast] = useState<'add' | 'remove' | 'dissolve' | null>(null);
  const group = useQuery({
    queryKey: ['group', id],
    queryFn: () => unwrap<GroupDetail>(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
  });
  const g = group.data;
  const manage = can(me, 'manageGroups') && g?.status === 'ACTIVE';
  const free = useFreeHouseholds(manage ? g?.villageId : undefined);
  const changed = (label: string) => (d: GroupDetail) => {
    void message.success(label);
    qc.setQueryData(['group', id], d);
    void qc.invalidateQueries({ queryKey: ['groups'] });
    void qc.invalidateQueries({ queryKey: ['households'] });
  };
  const add = useMutation({
    onMutate: () => setLast('add'),
    mutationFn: (householdId: string) =>
      unwrap<GroupDetail>(
        api.POST('/api/v1/groups/{id}/members', { params: { path: { id } }, body: { householdId } }),
      ),
    onSuccess: (d) => {
      setAdding(undefined);
      changed(t('grp_memberAdded'))(d);
    },
  });
  const remove = useMutation({
    onMutate: () => setLast('remove'),
    mutationFn: (householdId: string) =>
      unwrap<GroupDetail>(
        api.DELETE('/api/v1/groups/{id}/members/{householdId}', { params: { path: { id, householdId } } }),
      ),
    onSuccess: changed(t('grp_memberRemoved')),
  });
  const dissolve = useMutation({
    onMutate: () => setLast('dissolve'),
    mutationFn: (reason: string) =>
      unwrap<GroupDetail>(
        api.POST('/api/v1/groups/{id}/dissolve', { params: { path: { id } }, body: { reason } }),
      ),
    onSuccess: (d) => {
      setDissolving(false);
      changed(t('grp_dissolved'))(d);
    },
  });
  const failure = last ? { add, remove, dissolve }[last].error : null;
  return (
    <Drawer open onClose={onClose} size="large" title={g ? g.name : t('loading')}>
      {group.error ? <ProblemAlert error={group.error} /> : null}
      {g ? (
        <>
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label={t('village')}>{villageName(g.villageId)}</Descriptions.Item>
            <Descriptions.Item label={t('grp_size')}>
              <span data-testid="group-size">{g.size}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('status')}>
              <StatusTag value={g.status} prefix="st_" />
            </Descriptions.Item>
            {g.dissolutionReason ? (
              <Descriptions.Item label={t('reason')}>{g.dissolutionReason}</Descriptions.Item>
            ) : null}
          </Descriptions>
          <h3 style={{ marginTop: 16 }}>{t('grp_members')}</h3>
          <Table
            rowKey="householdId"
            size="small"
            pagination={false}
            dataSource={g.members}
            data-testid="group-members"
            columns={[
              { title: 'ID', dataIndex: 'householdId', width: 60 },
              { title: t('headName'), dataIndex: 'headName' },
              { title: t('idNumber'), dataIndex: 'idNumber', render: (v: string) => <code>{v}</code> },
              {
                title: t('povertyStatus'),
                dataIndex: 'status',
                render: (v: string) => <Tag>{t(`pov_${v}`)}</Tag>,
              },
              { title: t('grp_joinedAt'), dataIndex: 'joinedAt', render: formatDate },
              ...(manage
                ? [
                    {
                      title: t('actions'),
                      key: 'a',
                      render: (_: unknown, m: GroupDetail['members'][number]) => (
                        <Popconfirm
                          title={t('grp_removeConfirm')}
                          onConfirm={() => remove.mutate(m.householdId)}
                          okText={t('confirm')}
                          cancelText={t('cancel')}
                        >
                          <Button
                            size="small"
                            danger
                            loading={remove.isPending && remove.variables === m.householdId}
                          >
                            {t('grp_remove')}
                          </Button>
                        </Popconfirm>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          {failure ? (
            <div style={{ marginTop: 12 }}>
              <ProblemAlert error={failure} />
            </div>
          ) : null}
          {manage ? (
            <Space style={{ marginTop: 16 }} wrap>
              <span>{t('grp_addMember')}</span>
              <Select
                aria-label={t('grp_addMember')}
                style={{ width: 280 }}
                showSearch
                allowClear
                optionFilterProp="label"
                loading={free.isLoading}
                value={adding}
                onChange={setAdding}
                options={(free.data ?? []).map((h) => ({
                  value: h.id,
                  label: `${h.headName} · ${h.idNumber} · #${h.id}`,
                }))}
              />
              <Button disabled={!adding} loading={add.isPending} onClick={() => adding && add.mutate(adding)}>
                {t('grp_add')}
              </Button>
              <Button danger onClick={() => setDissolving(true)}>
                {t('grp_dissolve')}
              </Button>
            </Space>
          ) : null}
          {dissolving ? (
            <Form
              name="groups3"
              layout="vertical"
              style={{ marginTop: 12 }}
              onFinish={(v: { reason: string }) => dissolve.mutate(v.reason)}
            >
              <Form.Item
                label={t('reason')}
                name="reason"
                rules={[{ required: true, whitespace: true, message: t('reasonRequired') }, { max: 500 }]}
              >
                <Input.TextArea rows={2} />
              </Form.Item>
              <Space>
                <Button htmlType="submit" danger type="primary" loading={dissolve.isPending}>
                  {t('grp_dissolve')}
                </Button>
                <Button onClick={() => setDissolving(false)}>{t('cancel')}</Button>
              </Space>
            </Form>
          ) : null}
        </>
      ) : null}
    </Drawer>
  );
}
